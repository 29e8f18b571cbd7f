// The tape: recorded op entries, per-tape watching, and the thread-local stack of active tapes.
//
// Note [Tape slots]
// A tape numbers every tensor it watches with a dense gradient slot, stored on the tensor
// (TensorImpl::slot_on(tape_id)). An entry records its inputs' slots (-1: not watched by this
// tape) and gives its outputs new slots. gradient() then accumulates into a plain vector indexed
// by slot: no hashing on the hot path. Tape ids are never reused, so stale watches on a
// long-lived tensor can never match a newer tape.
//
// Watches made by tape.watch() and Variable reads are removed again when the tape is reset,
// released or destroyed; op outputs are fresh tensors whose watches die with them.
//
// Note [Tape ownership]
// An entry owns only what its vjp needs (`saved`), never the inputs by default; a non-persistent
// tape drops its entries after gradient(). The stack holds shared_ptrs, so a tape abandoned
// mid-recording (never exited) stays valid until its thread pops it or ends (Note [Tapes left on
// an ending thread] in tape.cc).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "core/variable.h"

namespace tapegrad {

struct TapeEntry;

// Fills grads_in[i] for every input with needs[i]; grads_out[j] may be empty (no gradient
// reached output j). Must be written with ops only (DESIGN.md: "A vjp is written with ops").
using VjpFn = void (*)(const TapeEntry& e, const Tensor* grads_out, Tensor* grads_in,
                       const bool* needs);

struct OpDef {
  const char* name;
  VjpFn vjp;
};

// Op attributes a vjp may need; each op uses the fields it documents.
struct Attrs {
  Shape shape_a, shape_b;        // usually the input shapes
  SmallVec<i64, 4> ints;         // axes, perms, flags
  double f = 0;                  // a scalar parameter
  std::shared_ptr<void> extra;   // opaque payload (custom_gradient's Python function)
};

struct TapeEntry {
  const OpDef* op;
  SmallVec<std::int32_t, 3> in;
  SmallVec<std::int32_t, 1> out;
  SmallVec<Tensor, 3> saved;
  Attrs attrs;
  DType out_dtype;               // for seeding missing output gradients of multi-output ops
  SmallVec<Shape, 1> out_shapes;
};

// Entries in recording order, in chunks: references stay valid while the tape grows (a
// persistent tape records its own backward pass while gradient() walks it) and recording an
// op costs no allocation of its own.
class EntryList {
 public:
  static constexpr std::size_t kChunk = 64;
  TapeEntry& emplace_back() {
    if (size_ == chunks_.size() * kChunk) chunks_.emplace_back(new TapeEntry[kChunk]);
    const std::size_t i = size_++;
    return chunks_[i / kChunk][i % kChunk];
  }
  TapeEntry& operator[](std::size_t i) { return chunks_[i / kChunk][i % kChunk]; }
  std::size_t size() const { return size_; }
  void clear() {
    chunks_.clear();
    size_ = 0;
  }

 private:
  std::vector<std::unique_ptr<TapeEntry[]>> chunks_;
  std::size_t size_ = 0;
};

class Tape {
 public:
  Tape(bool persistent, bool watch_accessed_variables);
  ~Tape();
  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;
  std::uint64_t id() const { return id_; }
  bool persistent() const { return persistent_; }
  bool watch_accessed_variables() const { return watch_accessed_variables_; }

  void watch(const Tensor& t);
  void watch(VariableImpl* v);
  const std::vector<Variable>& watched_variables() const { return watched_vars_; }
  std::int32_t new_slot() { return next_slot_++; }
  std::int32_t num_slots() const { return next_slot_; }
  EntryList& entries() { return entries_; }
  void reset();    // forget everything recorded and watched
  void release();  // drop entries and watches (non-persistent tape after gradient)

  // Gradient of sum(targets · seeds) w.r.t. each source (Note [Tape slots]).
  // sources: Tensors or Variables (exactly one of each pair set). Result slots stay empty
  // for unconnected sources.
  struct Source {
    Tensor tensor;
    VariableImpl* var = nullptr;
  };
  std::vector<Tensor> gradient(const std::vector<Tensor>& targets,
                               const std::vector<Tensor>& seeds,
                               const std::vector<Source>& sources);

 private:
  std::uint64_t id_;
  bool persistent_;
  bool watch_accessed_variables_;
  std::int32_t next_slot_ = 0;
  EntryList entries_;
  std::vector<Variable> watched_vars_;
  // Tensors watched explicitly: their watch on this tape is removed when the tape is reset or
  // dies, so long-lived tensors and Variables don't collect stale watches (Note [Tape slots]).
  std::vector<Tensor> watched_tensors_;
  void unwatch_all();
};

// The thread-local stack of recording tapes.
class TapeStack {
 public:
  static std::vector<std::shared_ptr<Tape>>& tapes();
  static bool active() { return !tapes().empty(); }
  static bool contains(const Tape* t);
  // ValueError if already recording. Callers hold the GIL: push also destroys the tapes that
  // ended threads left behind (Note [Tapes left on an ending thread]).
  static void push(std::shared_ptr<Tape> t);
  static void remove(const Tape* t);          // no-op if absent
};

// Stops all recording on this thread for its scope (forward work an op does internally).
class TapePause {
 public:
  TapePause() : saved_(std::move(TapeStack::tapes())) { TapeStack::tapes().clear(); }
  ~TapePause() { TapeStack::tapes() = std::move(saved_); }
  TapePause(const TapePause&) = delete;
  TapePause& operator=(const TapePause&) = delete;

 private:
  std::vector<std::shared_ptr<Tape>> saved_;
};

// Variables read while a VariableWatcher is active (custom_gradient uses it, as TF does).
class VariableWatcher {
 public:
  VariableWatcher();
  ~VariableWatcher();
  const std::vector<Variable>& variables() const { return vars_; }
  static void notify(VariableImpl* v);  // called on every Variable read

 private:
  std::vector<Variable> vars_;
};

// Records one op on every active tape that watches one of its inputs (Note [Tape slots]).
// `inputs` are the tensors the op consumed (after Variable reads). Cheap no-op without tapes.
void record(const OpDef& op, const Tensor* inputs, int n_in, const Tensor* outputs, int n_out,
            SmallVec<Tensor, 3> saved, Attrs attrs);

inline bool any_input_watched(const Tensor* inputs, int n) {
  for (int i = 0; i < n; ++i) if (inputs[i].impl()->watched()) return true;
  return false;
}

// The fast check every op makes before building what record1 needs.
inline bool should_record(std::initializer_list<Tensor> inputs) {
  return TapeStack::active() &&
         any_input_watched(inputs.begin(), static_cast<int>(inputs.size()));
}

// Records a single-output op (call only when should_record() said yes).
inline void record1(const OpDef& op, std::initializer_list<Tensor> inputs, const Tensor& out,
                    SmallVec<Tensor, 3> saved = {}, Attrs attrs = {}) {
  record(op, inputs.begin(), static_cast<int>(inputs.size()), &out, 1, std::move(saved),
         std::move(attrs));
}

}  // namespace tapegrad
