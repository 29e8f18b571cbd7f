// SmallVec: a vector with N elements stored inline (no heap allocation until it grows past N).
#pragma once
#include <cstddef>
#include <new>
#include <utility>

namespace tapegrad {

template <class T, int N>
class SmallVec {
 public:
  SmallVec() = default;
  SmallVec(std::initializer_list<T> init) { for (const T& v : init) push_back(v); }
  SmallVec(const SmallVec& o) { for (const T& v : o) push_back(v); }
  SmallVec(SmallVec&& o) noexcept { move_from(std::move(o)); }
  SmallVec& operator=(const SmallVec& o) {
    if (this != &o) { clear(); for (const T& v : o) push_back(v); }
    return *this;
  }
  SmallVec& operator=(SmallVec&& o) noexcept {
    if (this != &o) { destroy(); move_from(std::move(o)); }
    return *this;
  }
  ~SmallVec() { destroy(); }

  void push_back(const T& v) { grow_if_full(); new (data_ + size_) T(v); ++size_; }
  void push_back(T&& v) { grow_if_full(); new (data_ + size_) T(std::move(v)); ++size_; }
  void clear() { for (int i = 0; i < size_; ++i) data_[i].~T(); size_ = 0; }
  void resize(int n) {
    while (size_ > n) data_[--size_].~T();
    while (size_ < n) push_back(T());
  }
  int size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](int i) { return data_[i]; }
  const T& operator[](int i) const { return data_[i]; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  T* data() { return data_; }
  const T* data() const { return data_; }

 private:
  T* inline_ptr() { return reinterpret_cast<T*>(inline_); }
  void grow_if_full() {
    if (size_ < cap_) return;
    int cap = cap_ * 2;
    T* p = static_cast<T*>(::operator new(sizeof(T) * cap));
    for (int i = 0; i < size_; ++i) { new (p + i) T(std::move(data_[i])); data_[i].~T(); }
    if (data_ != inline_ptr()) ::operator delete(data_);
    data_ = p;
    cap_ = cap;
  }
  void destroy() {
    clear();
    if (data_ != inline_ptr()) ::operator delete(data_);
    data_ = inline_ptr();
    cap_ = N;
  }
  void move_from(SmallVec&& o) {
    if (o.data_ != o.inline_ptr()) {
      data_ = o.data_; cap_ = o.cap_; size_ = o.size_;
      o.data_ = o.inline_ptr(); o.cap_ = N; o.size_ = 0;
    } else {
      data_ = inline_ptr(); cap_ = N; size_ = 0;
      for (T& v : o) push_back(std::move(v));
      o.clear();
    }
  }

  alignas(T) unsigned char inline_[sizeof(T) * N];
  T* data_ = inline_ptr();
  int size_ = 0;
  int cap_ = N;
};

}  // namespace tapegrad
