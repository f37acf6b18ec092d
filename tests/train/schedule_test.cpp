#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include <vkcnn/train/schedule.h>
#include <vkcnn/vk/check.h>

namespace vkcnn {
namespace {

ScheduleConfig config(ScheduleKind kind, uint64_t total, uint64_t warmup = 0) {
  ScheduleConfig c;
  c.kind = kind;
  c.lr = 0.1;
  c.total_steps = total;
  c.warmup_steps = warmup;
  return c;
}

TEST(Schedule, ConstantStaysAtLr) {
  auto c = config(ScheduleKind::Constant, 100);
  for (uint64_t t : {0, 1, 50, 99, 500}) EXPECT_DOUBLE_EQ(learning_rate(c, t), 0.1) << t;
}

TEST(Schedule, StepDecaysByGammaEveryStepSize) {
  auto c = config(ScheduleKind::Step, 100);
  c.step_size = 30;
  c.gamma = 0.5;
  EXPECT_DOUBLE_EQ(learning_rate(c, 0), 0.1);
  EXPECT_DOUBLE_EQ(learning_rate(c, 29), 0.1);
  EXPECT_DOUBLE_EQ(learning_rate(c, 30), 0.05);
  EXPECT_DOUBLE_EQ(learning_rate(c, 59), 0.05);
  EXPECT_DOUBLE_EQ(learning_rate(c, 60), 0.025);
  EXPECT_DOUBLE_EQ(learning_rate(c, 99), 0.0125);
}

TEST(Schedule, CosineFollowsHalfACosineToMinLr) {
  auto c = config(ScheduleKind::Cosine, 100);
  c.min_lr = 0.001;
  EXPECT_DOUBLE_EQ(learning_rate(c, 0), 0.1);
  EXPECT_NEAR(learning_rate(c, 50), (0.1 + 0.001) / 2, 1e-12);
  for (uint64_t t = 0; t < 100; t += 7) {
    double expected = 0.001 + (0.1 - 0.001) * (1 + std::cos(std::numbers::pi * t / 100.0)) / 2;
    EXPECT_NEAR(learning_rate(c, t), expected, 1e-12) << t;
  }
  EXPECT_GT(learning_rate(c, 99), 0.001);
  EXPECT_LT(learning_rate(c, 99), 0.0011);
  EXPECT_DOUBLE_EQ(learning_rate(c, 1000), learning_rate(c, 99)) << "past the end keeps the last value";
}

TEST(Schedule, OneCycleRisesLinearlyToThePeakThenFalls) {
  auto c = config(ScheduleKind::OneCycle, 100);
  c.pct_start = 0.3;
  c.div_factor = 10;
  c.final_div_factor = 100;
  EXPECT_DOUBLE_EQ(learning_rate(c, 0), 0.01);
  EXPECT_NEAR(learning_rate(c, 15), 0.01 + (0.1 - 0.01) * 15 / 30, 1e-12);
  EXPECT_DOUBLE_EQ(learning_rate(c, 30), 0.1);
  EXPECT_NEAR(learning_rate(c, 99), 0.0001, 1e-12);
  for (uint64_t t = 31; t < 100; ++t) EXPECT_LT(learning_rate(c, t), learning_rate(c, t - 1)) << t;
}

TEST(Schedule, WarmupRampsLinearlyThenHandsOverToTheSchedule) {
  auto c = config(ScheduleKind::Cosine, 110, 10);
  for (uint64_t t = 0; t < 10; ++t) EXPECT_NEAR(learning_rate(c, t), 0.1 * (t + 1) / 10.0, 1e-12) << t;
  // After warmup the cosine runs over the remaining 100 steps from its start.
  EXPECT_DOUBLE_EQ(learning_rate(c, 10), 0.1);
  EXPECT_NEAR(learning_rate(c, 60), 0.05, 1e-12);
  auto s = config(ScheduleKind::Step, 50, 5);
  s.step_size = 10;
  s.gamma = 0.1;
  EXPECT_NEAR(learning_rate(s, 4), 0.1, 1e-12);
  EXPECT_NEAR(learning_rate(s, 14), 0.1, 1e-12);
  EXPECT_NEAR(learning_rate(s, 15), 0.01, 1e-12);
}

TEST(Schedule, NamesParseAndBadConfigsAreRejected) {
  EXPECT_EQ(schedule_from_string("Cosine"), ScheduleKind::Cosine);
  EXPECT_EQ(schedule_from_string("triangular"), ScheduleKind::OneCycle);
  auto expect_error = [](auto fn, const std::string& text) {
    try {
      fn();
      ADD_FAILURE() << "no error, expected: " << text;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
  };
  expect_error([] { schedule_from_string("exponential"); }, "unknown learning-rate schedule \"exponential\"");
  expect_error([] { validate(config(ScheduleKind::Constant, 10, 10)); }, "warmup (10 steps) must be shorter");
  auto bad_lr = config(ScheduleKind::Constant, 10);
  bad_lr.lr = -1;
  expect_error([&] { validate(bad_lr); }, "lr must be positive");
  auto bad_step = config(ScheduleKind::Step, 10);
  bad_step.step_size = 0;
  expect_error([&] { validate(bad_step); }, "step schedule needs step_size >= 1");
}

}  // namespace
}  // namespace vkcnn
