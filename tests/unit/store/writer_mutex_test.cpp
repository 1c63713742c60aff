// The writer's mutex lets the group-commit writer in ahead of threads already waiting.
#include "store/sqlite/writer_mutex.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace uwh::store::sqlite {
namespace {

using namespace std::chrono_literals;

TEST(WriterMutexTest, APriorityWaiterGoesBeforeOnesThatWaitedLonger) {
  WriterMutex m;
  std::mutex order_mutex;
  std::vector<std::string> order;
  auto note = [&](const char* who) {
    std::lock_guard<std::mutex> lock(order_mutex);
    order.push_back(who);
  };
  m.lock();
  std::thread queue([&] {
    std::lock_guard<WriterMutex> lock(m);
    note("queue");
  });
  std::this_thread::sleep_for(50ms);  // the queue is waiting first
  std::thread writer([&] {
    WriterMutex::Priority lock(m);
    note("writer");
  });
  std::this_thread::sleep_for(50ms);
  m.unlock();
  writer.join();
  queue.join();
  EXPECT_EQ(order, (std::vector<std::string>{"writer", "queue"}));
}

TEST(WriterMutexTest, OneHolderAtATime) {
  WriterMutex m;
  int inside = 0;
  int most = 0;
  long total = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        auto body = [&] {
          most = std::max(most, ++inside);
          ++total;
          --inside;
        };
        if (t % 2 == 0) {
          WriterMutex::Priority lock(m);
          body();
        } else {
          std::lock_guard<WriterMutex> lock(m);
          body();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(most, 1);
  EXPECT_EQ(total, 8000);
}

}  // namespace
}  // namespace uwh::store::sqlite
