// Exception types of the core; the bindings translate each to its Python class.
//
// Note [Error classes]
// ValueError/TypeError/InvalidArgument carry TF's wording where TF has one. InvalidArgument
// (shape mismatches found by an op) becomes tapegrad.errors.InvalidArgumentError, a subclass
// of ValueError, so both `except ValueError` and TF-style `except tf.errors.InvalidArgumentError`
// work. std::bad_alloc becomes MemoryError, std::runtime_error RuntimeError; OutOfMemory is a
// bad_alloc whose message names the op, the byte count and the shape (pybind11 passes what()).
#pragma once
#include <new>
#include <stdexcept>
#include <string>

namespace tapegrad {

struct ValueError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};
struct InvalidArgument : ValueError {
  using ValueError::ValueError;
};
struct TypeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct OutOfMemory : std::bad_alloc {
  explicit OutOfMemory(std::string msg) : msg_(std::move(msg)) {}
  const char* what() const noexcept override { return msg_.c_str(); }

 private:
  std::string msg_;
};

}  // namespace tapegrad
