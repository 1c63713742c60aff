#pragma once
// The mutex of SQLite's single writer connection, with a way in ahead of the queue: a thread
// that locks it with Priority (the group-commit writer, whose batch holds HTTP requests waiting
// for their answer) takes it before any thread waiting in lock() (the webhook queue, the API),
// at the next unlock. Not recursive. BasicLockable, so std::lock_guard and std::unique_lock work.
#include <condition_variable>
#include <mutex>

namespace uwh::store::sqlite {

class WriterMutex {
 public:
  void lock() {
    std::unique_lock<std::mutex> guard(mutex_);
    free_.wait(guard, [this] { return !locked_ && priority_waiting_ == 0; });
    locked_ = true;
  }
  void unlock() {
    {
      std::lock_guard<std::mutex> guard(mutex_);
      locked_ = false;
    }
    free_.notify_all();
  }
  void lock_priority() {
    std::unique_lock<std::mutex> guard(mutex_);
    ++priority_waiting_;
    free_.wait(guard, [this] { return !locked_; });
    --priority_waiting_;
    locked_ = true;
  }

  // RAII for lock_priority().
  class Priority {
   public:
    explicit Priority(WriterMutex& m) : m_(m) { m_.lock_priority(); }
    ~Priority() { m_.unlock(); }
    Priority(const Priority&) = delete;
    Priority& operator=(const Priority&) = delete;

   private:
    WriterMutex& m_;
  };

 private:
  std::mutex mutex_;
  std::condition_variable free_;
  bool locked_ = false;
  int priority_waiting_ = 0;
};

}  // namespace uwh::store::sqlite
