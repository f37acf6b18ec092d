// One Vulkan object together with the call that destroys it. Context holds each of its handles
// in one of these, declared in creation order, so a constructor that throws halfway destroys
// exactly what it had created, children before their device, with no hand-written cleanup path.
#pragma once
#include <functional>
#include <utility>

namespace vkcnn {

template <class T>
class Owned {
 public:
  Owned() = default;
  Owned(T handle, std::function<void(T)> destroy) : handle_(handle), destroy_(std::move(destroy)) {}
  ~Owned() { reset(); }
  Owned(Owned&& other) noexcept : handle_(std::exchange(other.handle_, T{})), destroy_(std::move(other.destroy_)) {}
  Owned& operator=(Owned&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, T{});
      destroy_ = std::move(other.destroy_);
    }
    return *this;
  }
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;

  T get() const { return handle_; }
  explicit operator bool() const { return handle_ != T{}; }

  void reset() {
    if (handle_ != T{} && destroy_) destroy_(handle_);
    handle_ = T{};
  }

 private:
  T handle_{};
  std::function<void(T)> destroy_;
};

}  // namespace vkcnn
