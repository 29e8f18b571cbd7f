// Recording ops on tapes and walking them backwards (see the Notes in tape.h).
#include "autograd/tape.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <new>
#if !defined(_WIN32)
#include <pthread.h>
#endif

#include "kernels/kernels.h"
#include "ops/ops.h"

namespace tapegrad {
namespace {
std::atomic<std::uint64_t> g_next_tape_id{1};
thread_local std::vector<VariableWatcher*> tls_var_watchers;
}  // namespace

Tape::Tape(bool persistent, bool watch_accessed_variables)
    : id_(g_next_tape_id.fetch_add(1)),
      persistent_(persistent),
      watch_accessed_variables_(watch_accessed_variables) {}

Tape::~Tape() { unwatch_all(); }

void Tape::unwatch_all() {
  for (const Tensor& t : watched_tensors_) t.impl()->remove_watch(id_);
  for (const Variable& v : watched_vars_) v->remove_watch(id_);
  watched_tensors_.clear();
}

// Only floating tensors have gradients (Note [Dtypes]): watching another dtype does nothing,
// as in TF (which logs a warning; tape.py warns).
void Tape::watch(const Tensor& t) {
  if (!is_floating(t.dtype())) return;
  if (t.impl()->slot_on(id_) < 0) {
    t.impl()->add_watch(id_, new_slot());
    watched_tensors_.push_back(t);
  }
}

void Tape::watch(VariableImpl* v) {
  if (!is_floating(v->dtype())) return;
  if (v->slot_on(id_) < 0) {
    v->add_watch(id_, new_slot());
    watched_vars_.push_back(Variable(v));
  }
}

void Tape::reset() {
  unwatch_all();
  watched_vars_.clear();
  // A fresh id also makes the watches on op outputs stale: Note [Tape slots].
  id_ = g_next_tape_id.fetch_add(1);
  next_slot_ = 0;
  entries_.clear();
}

void Tape::release() {
  entries_.clear();
  unwatch_all();
}

// Note [Tapes left on an ending thread]
// A tape entered and never exited stays on its thread's stack. When that thread ends, its
// thread_local stack is destroyed after the thread's Python state is gone, so the tapes must not
// be destroyed there: ~Tape removes watches from Variables that other threads use under the GIL,
// and an entry may own a custom_gradient's Python function (whose release needs the GIL, and
// aborts the process if the interpreter is finalizing by then). The ending thread only moves
// them here; the next push on any thread (the bindings call it with the GIL) destroys them. The
// list is never destroyed itself, so nothing runs after the interpreter has finalized.
namespace {
struct Abandoned {
  std::mutex mu;
  std::vector<std::shared_ptr<Tape>> tapes;
  std::atomic<bool> any{false};
};
Abandoned& abandoned() {
  static Abandoned* a = [] {
    auto* p = new Abandoned;  // intentionally leaked (see the Note)
#if !defined(_WIN32)
    // A fork() while an ending thread holds the lock must not leave the child's copy locked.
    pthread_atfork(nullptr, nullptr, [] { new (&abandoned().mu) std::mutex(); });
#endif
    return p;
  }();
  return *a;
}

struct ThreadTapes {
  std::vector<std::shared_ptr<Tape>> stack;
  ~ThreadTapes() {
    if (stack.empty()) return;
    Abandoned& a = abandoned();
    std::lock_guard<std::mutex> lock(a.mu);
    for (auto& t : stack) a.tapes.push_back(std::move(t));
    a.any.store(true, std::memory_order_release);
    stack.clear();
  }
};

void destroy_abandoned_tapes() {
  Abandoned& a = abandoned();
  if (!a.any.load(std::memory_order_acquire)) return;
  std::vector<std::shared_ptr<Tape>> dead;
  {
    std::lock_guard<std::mutex> lock(a.mu);
    dead.swap(a.tapes);
    a.any.store(false, std::memory_order_relaxed);
  }
  // `dead` is destroyed here, on a thread that holds the GIL.
}
}  // namespace

std::vector<std::shared_ptr<Tape>>& TapeStack::tapes() {
  thread_local ThreadTapes t;
  return t.stack;
}

bool TapeStack::contains(const Tape* t) {
  for (auto& p : tapes()) if (p.get() == t) return true;
  return false;
}

void TapeStack::push(std::shared_ptr<Tape> t) {
  destroy_abandoned_tapes();  // Note [Tapes left on an ending thread]
  if (contains(t.get()))
    throw ValueError(
        "Tape is still recording, This can happen if you try to re-enter an already-active "
        "tape.");
  tapes().push_back(std::move(t));
}

void TapeStack::remove(const Tape* t) {
  auto& v = tapes();
  for (auto it = v.begin(); it != v.end(); ++it)
    if (it->get() == t) {
      v.erase(it);
      return;
    }
}

VariableWatcher::VariableWatcher() { tls_var_watchers.push_back(this); }
VariableWatcher::~VariableWatcher() {
  auto& v = tls_var_watchers;
  v.erase(std::remove(v.begin(), v.end(), this), v.end());
}
void VariableWatcher::notify(VariableImpl* var) {
  if (!var->trainable()) return;
  for (VariableWatcher* w : tls_var_watchers) {
    bool seen = false;
    for (auto& x : w->vars_) seen |= x.get() == var;
    if (!seen) w->vars_.push_back(Variable(var));
  }
}

Tensor VariableImpl::read() {
  if (!tls_var_watchers.empty()) VariableWatcher::notify(this);
  if (!TapeStack::active()) return value_;
  Tensor alias;
  for (auto& tape : TapeStack::tapes()) {
    std::int32_t slot = slot_on(tape->id());
    if (slot < 0 && trainable_ && tape->watch_accessed_variables()) {
      tape->watch(this);
      slot = slot_on(tape->id());
    }
    if (slot < 0) continue;
    if (!alias) alias = value_.alias(value_.shape());
    alias.impl()->add_watch(tape->id(), slot);
  }
  return alias ? alias : value_;
}

void record(const OpDef& op, const Tensor* inputs, int n_in, const Tensor* outputs, int n_out,
            SmallVec<Tensor, 3> saved, Attrs attrs) {
  auto& stack = TapeStack::tapes();
  int recorded = 0;
  for (auto& tape : stack) {
    std::uint64_t id = tape->id();
    SmallVec<std::int32_t, 3> in;
    bool any = false;
    for (int i = 0; i < n_in; ++i) {
      std::int32_t s = inputs[i].impl()->slot_on(id);
      any |= s >= 0;
      in.push_back(s);
    }
    if (!any) continue;
    TapeEntry& e = tape->entries().emplace_back();
    e.op = &op;
    e.in = std::move(in);
    for (int j = 0; j < n_out; ++j) {
      std::int32_t s = tape->new_slot();
      outputs[j].impl()->add_watch(id, s);
      e.out.push_back(s);
      e.out_shapes.push_back(outputs[j].shape());
    }
    e.out_dtype = outputs[0].dtype();
    // The last tape takes the saved tensors and attrs; earlier ones copy (refcounts only).
    if (++recorded == static_cast<int>(stack.size())) {
      e.saved = std::move(saved);
      e.attrs = std::move(attrs);
    } else {
      e.saved = saved;
      e.attrs = attrs;
    }
  }
}

std::vector<Tensor> Tape::gradient(const std::vector<Tensor>& targets,
                                   const std::vector<Tensor>& seeds,
                                   const std::vector<Source>& sources) {
  const std::int32_t nslots = next_slot_;
  const std::size_t nentries = entries_.size();  // backward ops recorded on this tape come later
  std::vector<char> is_source(nslots, 0), reach(nslots, 0);
  std::vector<std::int32_t> src_slot(sources.size(), -1);
  for (std::size_t i = 0; i < sources.size(); ++i) {
    std::int32_t s = sources[i].var ? sources[i].var->slot_on(id_)
                                    : sources[i].tensor.impl()->slot_on(id_);
    if (s >= 0 && s < nslots) {
      src_slot[i] = s;
      is_source[s] = reach[s] = 1;
    }
  }
  // Forward pass over the record: which entries depend on a source.
  std::vector<char> live(nentries, 0);
  for (std::size_t k = 0; k < nentries; ++k) {
    const TapeEntry& e = entries_[k];
    for (std::int32_t s : e.in)
      if (s >= 0 && reach[s]) { live[k] = 1; break; }
    if (live[k])
      for (std::int32_t s : e.out) reach[s] = 1;
  }

  std::vector<Tensor> grads(nslots);
  // Note [In-place accumulation]: fan-out gradients are summed with the add op, so an outer
  // tape can record the sum. When no tape records (a first-order gradient) and the running sum
  // is a buffer only this walk holds, adding into it in place is the same arithmetic without
  // an allocation (the refcounts prove nobody else can see the write).
  const bool recording = TapeStack::active();
  auto accumulate = [&](std::int32_t slot, const Tensor& g) {
    Tensor& acc = grads[slot];
    if (!acc) {
      acc = g;
    } else if (!recording && acc.impl()->refcount() == 1 && acc.impl()->storage()->refcount() == 1 &&
               acc.shape() == g.shape() && acc.dtype() == g.dtype() && !acc.same(g)) {
      dispatch_dtype(acc.dtype(), [&](auto t) {
        using T = decltype(t);
        kernels::set<T>().axpy(acc.numel(), T(1), g.data<T>(), acc.data<T>());
      });
    } else {
      acc = ops::add(acc, g);
    }
  };
  for (std::size_t i = 0; i < targets.size(); ++i) {
    std::int32_t s = targets[i].impl()->slot_on(id_);
    if (s < 0 || s >= nslots || !reach[s]) continue;
    accumulate(s, seeds[i]);
  }

  for (std::size_t k = nentries; k-- > 0;) {
    if (!live[k]) continue;
    const TapeEntry& e = entries_[k];
    int n_out = e.out.size(), n_in = e.in.size();
    SmallVec<Tensor, 1> gout;
    bool any_grad = false;
    for (int j = 0; j < n_out; ++j) {
      gout.push_back(grads[e.out[j]]);
      any_grad |= static_cast<bool>(grads[e.out[j]]);
    }
    if (!any_grad) continue;
    SmallVec<Tensor, 3> gin;
    gin.resize(n_in);
    SmallVec<bool, 8> needs;  // one per input: concat/stack/custom_gradient may take hundreds
    needs.resize(n_in);
    bool any_need = false;
    for (int i = 0; i < n_in; ++i) {
      needs[i] = e.in[i] >= 0 && reach[e.in[i]];
      any_need |= needs[i];
    }
    if (!any_need) continue;
    e.op->vjp(e, gout.data(), gin.data(), needs.data());
    for (int j = 0; j < n_out; ++j)
      if (!is_source[e.out[j]]) grads[e.out[j]].reset();  // no longer needed: free early
    for (int i = 0; i < n_in; ++i)
      if (needs[i] && gin[i]) accumulate(e.in[i], gin[i]);
  }

  std::vector<Tensor> result(sources.size());
  for (std::size_t i = 0; i < sources.size(); ++i)
    if (src_slot[i] >= 0) result[i] = grads[src_slot[i]];
  return result;
}

}  // namespace tapegrad
