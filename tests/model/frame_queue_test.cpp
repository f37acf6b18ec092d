// Frames in flight (FrameQueue): several frames submitted before any is waited for each come
// back with their own result, the same as when each runs alone; slots, tickets and flushes.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <random>

#include <vkcnn/model/frame_queue.h>
#include <vkcnn/model/init.h>

#include "support/gpu_test.h"
#include "support/tiny_model.h"

namespace vkcnn {
namespace {

struct TinyModel {
  ModelSpec spec = parse_model_spec(test::kTinyRgbArch, "tiny-rgb");
  Graph graph{spec, spec.name};
  Model model{test::context(), spec, initialize_weights(graph, 5), spec.name};
  ForwardPlan plan{model, 1};
};

// Odd-sized RGB frames, each a different random picture.
const FrameLayout kLayout = FrameLayout::packed(PixelFormat::RGB, 17, 13);

std::vector<uint8_t> random_frame(uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> bytes(kLayout.size);
  for (auto& b : bytes) b = static_cast<uint8_t>(rng());
  return bytes;
}

FrameQueue::Ticket submit(FrameQueue& q, const std::vector<uint8_t>& frame) {
  std::memcpy(q.frame_memory(), frame.data(), frame.size());
  return q.submit();
}

// Each frame alone: submit, wait, next.
std::vector<std::vector<float>> one_at_a_time(TinyModel& m, const std::vector<std::vector<uint8_t>>& frames) {
  FrameQueue q(m.model, m.plan, kLayout, 1);
  std::vector<std::vector<float>> out;
  for (const auto& f : frames) out.push_back(q.wait(submit(q, f)).output);
  return out;
}

std::vector<std::vector<uint8_t>> frames(uint32_t n) {
  std::vector<std::vector<uint8_t>> out;
  for (uint32_t i = 0; i < n; ++i) out.push_back(random_frame(100 + i));
  return out;
}

TEST(FrameQueue, FramesInFlightEachGetTheirOwnResult) {
  TinyModel m;
  auto input = frames(7);
  auto expected = one_at_a_time(m, input);
  ASSERT_NE(expected[0], expected[1]) << "the test frames must give different results";
  FrameQueue q(m.model, m.plan, kLayout, 3);
  // Keep three in flight: submit ahead, wait for the oldest when the queue is full.
  std::vector<FrameQueue::Ticket> tickets;
  std::size_t next_wait = 0;
  for (std::size_t i = 0; i < input.size(); ++i) {
    if (q.full()) {
      EXPECT_EQ(q.wait(tickets[next_wait]).output, expected[next_wait]) << "frame " << next_wait;
      ++next_wait;
    }
    tickets.push_back(submit(q, input[i]));
  }
  EXPECT_EQ(q.in_flight(), 3u);
  for (; next_wait < input.size(); ++next_wait)
    EXPECT_EQ(q.wait(tickets[next_wait]).output, expected[next_wait]) << "frame " << next_wait;
  EXPECT_EQ(q.in_flight(), 0u);
}

TEST(FrameQueue, TicketsMayBeWaitedForInAnyOrder) {
  TinyModel m;
  auto input = frames(3);
  auto expected = one_at_a_time(m, input);
  FrameQueue q(m.model, m.plan, kLayout, 3);
  auto t0 = submit(q, input[0]), t1 = submit(q, input[1]), t2 = submit(q, input[2]);
  EXPECT_EQ(q.wait(t2).output, expected[2]);
  EXPECT_EQ(q.wait(t0).output, expected[0]);
  EXPECT_EQ(q.wait(t1).output, expected[1]);
}

TEST(FrameQueue, FullQueueAndUnknownTicketsAreErrorsThatSaySo) {
  TinyModel m;
  FrameQueue q(m.model, m.plan, kLayout, 2);
  auto input = frames(2);
  auto t0 = submit(q, input[0]);
  submit(q, input[1]);
  ASSERT_TRUE(q.full());
  try {
    q.frame_memory();
    ADD_FAILURE() << "no error for a full queue";
  } catch (const Error& e) {
    EXPECT_CONTAINS(e.what(), "all 2 frame slots are in flight");
  }
  q.wait(t0);
  try {
    q.wait(t0);
    ADD_FAILURE() << "no error for a ticket waited for twice";
  } catch (const Error& e) {
    EXPECT_CONTAINS(e.what(), "ticket " + std::to_string(t0) + " is not in flight");
  }
}

TEST(FrameQueue, DiscardFreesEverySlotAndLaterFramesAreRight) {
  TinyModel m;
  auto input = frames(3);
  auto expected = one_at_a_time(m, input);
  FrameQueue q(m.model, m.plan, kLayout, 2);
  submit(q, input[0]);
  submit(q, input[1]);
  q.discard();
  EXPECT_EQ(q.in_flight(), 0u);
  EXPECT_EQ(q.wait(submit(q, input[2])).output, expected[2]);
}

TEST(FrameQueue, FramesReadInPlaceGetTheResultsOfCopiedOnes) {
  TinyModel m;
  auto input = frames(5);
  auto expected = one_at_a_time(m, input);
  FrameQueue q(m.model, m.plan, kLayout, 2);
  const std::size_t align = test::context().info().host_import_alignment;
  if (align == 0) {
    // A device without VK_EXT_external_memory_host: nothing is submitted, the caller copies.
    EXPECT_EQ(q.submit_in_place(input[0].data()), 0u);
    EXPECT_EQ(q.in_flight(), 0u);
    return;
  }
  // The frames side by side in one allocation, each starting on the import alignment, as a
  // GStreamer pool that the element's ALLOCATION query asked for alignment allocates them.
  const std::size_t stride = (kLayout.size + align - 1) / align * align;
  std::unique_ptr<void, decltype(&std::free)> memory(std::aligned_alloc(align, stride * input.size()), &std::free);
  ASSERT_TRUE(memory);
  auto* base = static_cast<uint8_t*>(memory.get());
  for (std::size_t i = 0; i < input.size(); ++i) std::memcpy(base + i * stride, input[i].data(), kLayout.size);

  // Frames read in place and copied ones interleaved, two in flight, so slots switch between
  // both ways; a frame's memory is left alone until its result is in.
  std::deque<std::pair<FrameQueue::Ticket, std::size_t>> pending;
  auto wait_oldest = [&] {
    auto [ticket, i] = pending.front();
    pending.pop_front();
    EXPECT_EQ(q.wait(ticket).output, expected[i]) << "frame " << i;
  };
  for (std::size_t i = 0; i < input.size(); ++i) {
    if (q.full()) wait_oldest();
    const FrameQueue::Ticket ticket = i % 3 == 1 ? submit(q, input[i]) : q.submit_in_place(base + i * stride);
    ASSERT_NE(ticket, 0u) << "frame " << i;
    pending.emplace_back(ticket, i);
  }
  while (!pending.empty()) wait_oldest();

  // Memory off the alignment is not read in place: nothing is submitted, the caller copies.
  EXPECT_EQ(q.submit_in_place(base + 4), 0u);
  EXPECT_EQ(q.in_flight(), 0u);
  // A flush with a frame read in place frees its slot and its import.
  ASSERT_NE(q.submit_in_place(base), 0u);
  q.discard();
  EXPECT_EQ(q.in_flight(), 0u);
}

TEST(FrameQueue, ZeroSlotsOrABatchedPlanAreRejected) {
  TinyModel m;
  EXPECT_THROW(FrameQueue(m.model, m.plan, kLayout, 0), Error);
  ForwardPlan batched(m.model, 2);
  try {
    FrameQueue q(m.model, batched, kLayout, 1);
    ADD_FAILURE() << "no error for a batch-2 plan";
  } catch (const Error& e) {
    EXPECT_CONTAINS(e.what(), "batch 2");
  }
}

// Destroying a queue with frames in flight waits for them (the validation layer and sanitizers
// would see command buffers freed while pending otherwise).
TEST(FrameQueue, DestroyedWithFramesInFlight) {
  TinyModel m;
  auto input = frames(2);
  {
    FrameQueue q(m.model, m.plan, kLayout, 2);
    submit(q, input[0]);
    submit(q, input[1]);
  }
  EXPECT_EQ(one_at_a_time(m, input).size(), 2u);
}

}  // namespace
}  // namespace vkcnn
