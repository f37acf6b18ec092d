// vkcnn-bench --frame WIDTHxHEIGHT:FORMAT: the GStreamer element's per-frame path without
// GStreamer, with the same engine calls plugin/classify_engine.cpp makes at max-in-flight=1: a
// one-slot FrameQueue (one command buffer recorded once: frame upload, GPU preprocessing into
// the batch-1 ForwardPlan's input, the forward pass, output copy to a readback buffer); per
// frame, the frame read in place (FrameQueue::submit_in_place, where the device imports host
// memory: the frame lies on the import alignment, as upstream allocates it when the element's
// ALLOCATION query asks) or else copied into the slot's host-visible memory and submitted, then
// the wait, the readback, and probabilities and top-k on the host as the element reports them.
// --frame-copy copies every frame. The frame is random bytes in FrameLayout::packed; at even
// widths that are multiples of 4 (1920x1080 included) that is GStreamer's default layout for
// every format, so the copy moves the bytes the element moves.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include <vkcnn/model/forward_plan.h>
#include <vkcnn/model/frame_queue.h>
#include <vkcnn/model/model.h>
#include <vkcnn/model/scores.h>

#include "bench_common.h"

namespace vkcnn::bench {
namespace {

constexpr PixelFormat kFormats[] = {PixelFormat::RGB,   PixelFormat::BGR,  PixelFormat::RGBA,
                                    PixelFormat::BGRA,  PixelFormat::RGBx, PixelFormat::BGRx,
                                    PixelFormat::GRAY8, PixelFormat::NV12, PixelFormat::I420};

bool same_name(std::string a, std::string b) {
  auto lower = [](std::string& s) {
    for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  };
  lower(a);
  lower(b);
  return a == b;
}

struct Stages {
  std::vector<double> copy, gpu, scores, total;
};

}  // namespace

FrameSpec parse_frame_spec(const std::string& text) {
  std::string names;
  for (PixelFormat f : kFormats) names += std::string(names.empty() ? "" : ", ") + to_string(f);
  const auto colon = text.find(':'), x = text.find('x');
  FrameSpec s;
  if (colon == std::string::npos || x == std::string::npos || x > colon)
    throw Error("\"" + text + "\": expected WIDTHxHEIGHT:FORMAT, e.g. 1920x1080:BGRA");
  try {
    std::size_t used = 0;
    const std::string w = text.substr(0, x), h = text.substr(x + 1, colon - x - 1);
    s.width = static_cast<uint32_t>(std::stoul(w, &used));
    if (used != w.size()) throw std::invalid_argument(w);
    s.height = static_cast<uint32_t>(std::stoul(h, &used));
    if (used != h.size()) throw std::invalid_argument(h);
  } catch (const std::exception&) {
    throw Error("\"" + text + "\": width and height must be whole numbers, e.g. 1920x1080:BGRA");
  }
  if (s.width == 0 || s.height == 0 || s.width > 16384 || s.height > 16384)
    throw Error("\"" + text + "\": width and height must be in 1..16384");
  const std::string format = text.substr(colon + 1);
  auto it = std::find_if(std::begin(kFormats), std::end(kFormats),
                         [&](PixelFormat f) { return same_name(format, to_string(f)); });
  if (it == std::end(kFormats))
    throw Error("\"" + text + "\": unknown format \"" + format + "\" (known: " + names + ")");
  s.format = *it;
  return s;
}

void run_frame(Context& ctx, const Options& o) {
  const FrameSpec fs = parse_frame_spec(o.frame);
  ModelSource src = load_source(o);
  Model model(ctx, src.spec, src.weights, src.name);
  ForwardPlan plan(model, 1, bench_precision(ctx, o));  // the element classifies one frame at a time

  // What vkcnn_pass_new makes.
  FrameQueue queue(model, plan, FrameLayout::packed(fs.format, fs.width, fs.height), 1);

  // The frame where upstream's pool would put it: on the import alignment (a page) when the
  // device has one, as the element's ALLOCATION query asks.
  const std::size_t bytes = queue.layout().size;
  const std::size_t align = std::max<std::size_t>(ctx.info().host_import_alignment, 1);
  std::vector<uint8_t> memory(bytes + align);
  uint8_t* frame = memory.data() + (align - reinterpret_cast<std::uintptr_t>(memory.data()) % align) % align;
  std::mt19937 rng(o.seed);
  std::uniform_int_distribution<int> byte(0, 255);
  for (std::size_t i = 0; i < bytes; ++i) frame[i] = static_cast<uint8_t>(byte(rng));

  // What vkcnn_pass_submit, vkcnn_pass_wait and the element's result reporting do per frame.
  using clock = std::chrono::steady_clock;
  auto since = [](clock::time_point t) { return std::chrono::duration<double, std::milli>(clock::now() - t).count(); };
  Stages st;
  std::size_t reported = 0;
  FrameQueue::Result result;
  bool in_place = false;
  for (int i = 0; i < o.warmup + o.runs; ++i) {
    const auto t0 = clock::now();
    FrameQueue::Ticket ticket = o.frame_copy ? 0 : queue.submit_in_place(frame);
    in_place = ticket != 0;
    if (!ticket) {
      // Source and destination share one packed layout, so the element's plane-by-plane copy is
      // one contiguous copy of the frame here.
      std::memcpy(queue.frame_memory(), frame, bytes);
    }
    const double copy = in_place ? 0.0 : since(t0);
    const auto t1 = in_place ? t0 : clock::now();
    if (!ticket) ticket = queue.submit();
    result = queue.wait(ticket);
    const double gpu = since(t1);
    const auto t2 = clock::now();
    auto best = top_k(probabilities(model.graph(), result.output), model.spec().labels, o.top_k);
    reported += best.size();  // keeps the work observable
    const double scores = since(t2), total = since(t0);
    if (i < o.warmup) continue;
    st.copy.push_back(copy);
    st.gpu.push_back(gpu);
    st.scores.push_back(scores);
    st.total.push_back(total);
  }
  if (reported == 0) throw Error(src.name + ": top-k reported no class");

  const Timing total = summarize(st.total), copy = summarize(st.copy), gpu = summarize(st.gpu),
               scores = summarize(st.scores);
  const auto& profile = result.sections;  // VKCNN_PROFILE=1: "preprocess", then one per layer
  double gpu_pre = 0, gpu_fwd = 0;
  for (std::size_t i = 0; i < profile.size(); ++i) (i == 0 ? gpu_pre : gpu_fwd) += profile[i].second;
  const std::string frame_name =
      std::to_string(fs.width) + "x" + std::to_string(fs.height) + ":" + to_string(fs.format);

  if (o.json) {
    nlohmann::json out = json_head(ctx, src.name, "frame");
    out["precision"] = precision_name(plan.precision());
    out["frame"] = frame_name;
    out["in_place"] = in_place;
    nlohmann::json e = json_result(1, total);
    e["frames_per_s"] = e["images_per_s"];
    e["stages_median_ms"] = {
        {"copy", copy.median_ms}, {"submit_wait_readback", gpu.median_ms}, {"top_k", scores.median_ms}};
    if (!profile.empty()) e["gpu_ms"] = {{"preprocess", gpu_pre}, {"forward", gpu_fwd}};
    out["results"].push_back(e);
    std::printf("%s\n", out.dump().c_str());
    return;
  }
  std::printf("frame %s through %s on %s (%s), batch 1 as in the element; median of %d frames\n", frame_name.c_str(),
              src.name.c_str(), ctx.info().name.c_str(), ctx.info().type.c_str(), o.runs);
  if (in_place)
    std::printf("  frame read in place             (VK_EXT_external_memory_host: no copy)\n");
  else
    std::printf("  copy into the upload buffer     %9.3f ms\n", copy.median_ms);
  std::printf("  submit, wait, readback          %9.3f ms  (GPU: preprocessing + forward pass)\n", gpu.median_ms);
  std::printf("  probabilities + top-%-2u         %9.3f ms\n", o.top_k, scores.median_ms);
  std::printf("  per frame                       %9.3f ms  (min %.3f)  = %.1f frames/s\n", total.median_ms,
              total.min_ms, 1e3 / total.median_ms);
  if (!profile.empty())
    std::printf("  GPU sections, last frame: preprocessing %.3f ms, forward %.3f ms\n", gpu_pre, gpu_fwd);
}

}  // namespace vkcnn::bench
