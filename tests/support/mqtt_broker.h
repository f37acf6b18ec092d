// A real MQTT broker for a test: /usr/sbin/mosquitto (MOSQUITTO_BROKER) on 127.0.0.1 and a free
// port, never the system's broker on 1883, with a config file in a directory of its own:
// `listener PORT 127.0.0.1` plus the test's lines. A missing broker is an error, not a skip:
// scripts/setup.sh installs it.
#pragma once
#include <chrono>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <signal.h>
#include <string>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "support/process.h"
#include "support/scratch_dir.h"

#ifndef MOSQUITTO_BROKER
#define MOSQUITTO_BROKER "/usr/sbin/mosquitto"
#endif

namespace vkcnn::test {

// Whether something accepts TCP connections on 127.0.0.1:port.
inline bool accepts_connections(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

// A free TCP port on 127.0.0.1 (bound, read, released).
inline int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof a;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &length) == 0)
    port = ntohs(a.sin_port);
  close(fd);
  return port;
}

class Broker {
 public:
  // The port is picked once and kept across restarts; more lines may be appended to config()
  // before start().
  explicit Broker(const std::string& extra_config = "allow_anonymous true\n") {
    static ScratchDir scratch("vkcnn-mqtt-test");
    static int count = 0;
    dir_ = scratch.path("broker-" + std::to_string(count++));
    std::filesystem::create_directories(dir_);
    port_ = free_port();
    std::ofstream conf(config());
    conf << "listener " << port_ << " 127.0.0.1\n" << extra_config;
    // Started as root, mosquitto drops to the user `mosquitto`, which could not read our files.
    if (geteuid() == 0) conf << "user root\n";
  }
  ~Broker() { stop(); }
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // Starts the broker and waits until it accepts connections; false with error() set.
  bool start() {
    error_.clear();
    const std::string binary = MOSQUITTO_BROKER, conf = config(), log = this->log();
    if (access(binary.c_str(), X_OK) != 0) {
      error_ = binary + " is not installed (Debian: mosquitto; scripts/setup.sh installs it)";
      return false;
    }
    pid_ = fork();
    if (pid_ == 0) {  // only async-signal-safe calls until exec
      int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
      }
      execl(binary.c_str(), "mosquitto", "-c", conf.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < end) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        error_ = "mosquitto exited at start: " + slurp(log);
        return false;
      }
      if (accepts_connections(port_)) return true;
      usleep(20000);
    }
    error_ = "mosquitto does not accept connections on port " + std::to_string(port_) + ": " + slurp(log);
    stop();
    return false;
  }

  // SIGTERM and wait: the broker saves its persistence database (when configured) and exits.
  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > end) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      usleep(10000);
    }
    pid_ = -1;
  }

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  const std::string& dir() const { return dir_; }
  std::string config() const { return dir_ + "/mosquitto.conf"; }
  std::string log() const { return dir_ + "/broker.log"; }  // the broker's stdout and stderr
  const std::string& error() const { return error_; }

 private:
  std::string dir_, error_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace vkcnn::test
