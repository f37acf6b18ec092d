// Running a command-line tool as a user does: a shell command line, its stdout captured, its
// exit status returned (stderr goes wherever the command line sends it).
#pragma once
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <sys/wait.h>

namespace vkcnn::test {

struct ProcessResult {
  int status;  // the exit code; -1 when the command did not exit normally
  std::string out;
};

inline ProcessResult run_command(const std::string& command) {
  ProcessResult r{0, {}};
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return {-1, {}};
  std::array<char, 4096> buf;
  while (std::size_t n = fread(buf.data(), 1, buf.size(), pipe)) r.out.append(buf.data(), n);
  int status = pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace vkcnn::test
