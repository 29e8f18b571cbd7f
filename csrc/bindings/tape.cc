// tapegrad._core._Tape: the C++ tape behind tapegrad.GradientTape (python/tapegrad/tape.py
// handles nests, messages and the context protocol; everything per-op is in C++).
#include <pybind11/stl.h>

#include "autograd/tape.h"
#include "bindings/common.h"
#include "ops/custom_gradient.h"
#include "ops/ops.h"

namespace tapegrad::bind {
namespace {
// The Python layer checks types first; this keeps a private misuse an exception, not a crash.
TensorImpl* checked_tensor(py::handle h) {
  if (!is_tensor(h))
    throw TypeError("expected a tapegrad.Tensor, got " +
                    std::string(py::str(py::type::handle_of(h).attr("__name__"))));
  return tensor_ptr(h);
}

// Note [Tape and the garbage collector]
// A tape owns the Python gradient functions of its custom_gradient entries. When such a
// function's closure refers back to the GradientTape (or to anything that does), the reference
// cycle passes through C++ and Python's collector cannot see it unless _Tape reports what it
// owns: tp_traverse visits those functions and tp_clear drops the tape's entries (the collector
// only clears a _Tape no Python code can reach any more). A reference is reported only while
// this Python object is the tape's sole owner and the entry the function's sole owner (a tape
// still on a thread's stack, or an entry shared with a nested tape, is skipped): reporting a
// reference more often than it is held would let the collector free live objects.
int tape_traverse(PyObject* self, visitproc visit, void* arg) {
  Py_VISIT(Py_TYPE(self));
  if (!py::detail::is_holder_constructed(self)) return 0;
  auto holder = py::cast<std::shared_ptr<Tape>>(py::handle(self));
  if (holder.use_count() != 2) return 0;  // the instance's holder and `holder`
  struct Ctx {
    visitproc visit;
    void* arg;
  } ctx{visit, arg};
  EntryList& entries = holder->entries();
  for (std::size_t k = 0; k < entries.size(); ++k) {
    const TapeEntry& e = entries[k];
    if (e.op != &ops::op_custom_gradient || e.attrs.extra.use_count() != 1) continue;
    int r = static_cast<const ops::CustomVjp*>(e.attrs.extra.get())->traverse(
        [](void* o, void* a) {
          auto* c = static_cast<Ctx*>(a);
          return c->visit(static_cast<PyObject*>(o), c->arg);
        },
        &ctx);
    if (r) return r;
  }
  return 0;
}

int tape_clear(PyObject* self) {
  if (py::detail::is_holder_constructed(self)) py::cast<Tape&>(py::handle(self)).release();
  return 0;
}
}  // namespace

void bind_tape(py::module_& m) {
  py::class_<Tape, std::shared_ptr<Tape>>(m, "_Tape", py::custom_type_setup([](PyHeapTypeObject* h) {
    h->ht_type.tp_flags |= Py_TPFLAGS_HAVE_GC;
    h->ht_type.tp_traverse = tape_traverse;
    h->ht_type.tp_clear = tape_clear;
  }))
      .def(py::init<bool, bool>(), py::arg("persistent"), py::arg("watch_accessed_variables"))
      .def_property_readonly("persistent", &Tape::persistent)
      .def_property_readonly("watch_accessed_variables", &Tape::watch_accessed_variables)
      .def("push", [](std::shared_ptr<Tape> t) { TapeStack::push(std::move(t)); })
      .def("pop", [](Tape& t) { TapeStack::remove(&t); })
      .def_property_readonly("recording", [](Tape& t) { return TapeStack::contains(&t); })
      .def("watch", [](Tape& t, py::handle x) {
        if (is_variable(x)) t.watch(variable_ptr(x));
        else t.watch(Tensor(checked_tensor(x)));
      })
      .def("watched_variables", [](Tape& t) {
        py::list l;
        for (const Variable& v : t.watched_variables()) l.append(py::cast(v));
        return py::tuple(l);
      })
      .def("reset", &Tape::reset)
      .def("release", &Tape::release)
      .def_property_readonly("num_entries", [](Tape& t) { return t.entries().size(); })
      .def("entries", [](Tape& t) {
        // (op name, input slots, output slots, output shapes, dtype) for tape_to_dot.
        py::list l;
        for (std::size_t k = 0; k < t.entries().size(); ++k) {
          const TapeEntry& e = t.entries()[k];
          py::list ins, outs, shapes;
          for (auto s : e.in) ins.append(s);
          for (auto s : e.out) outs.append(s);
          for (const Shape& s : e.out_shapes) shapes.append(shape_tuple(s));
          l.append(py::make_tuple(e.op->name, ins, outs, shapes, dtype_name(e.out_dtype)));
        }
        return l;
      })
      .def("slot_of", [](Tape& t, py::handle x) -> int {
        if (is_variable(x)) return variable_ptr(x)->slot_on(t.id());
        return checked_tensor(x)->slot_on(t.id());
      })
      // targets: list of Tensors; seeds: list (Tensor or None = ones); sources: list of
      // Tensors/Variables. Returns a list with a Tensor or None per source.
      .def("gradient", [](Tape& t, py::list targets, py::list seeds, py::list sources) {
        std::vector<Tensor> tg, sd;
        for (std::size_t i = 0; i < targets.size(); ++i) {
          py::handle h = targets[i];
          Tensor x = is_variable(h) ? variable_ptr(h)->read()
                                                     : Tensor(checked_tensor(h));
          py::handle s = seeds[i];
          Tensor seed;
          if (s.is_none()) {
            seed = Tensor::full(x.dtype(), x.shape(), 1.0, "gradient");
          } else {
            DType d = x.dtype();
            seed = to_tensor(s, &d, "gradient");
            if (seed.dtype() != x.dtype())
              throw TypeError("gradient: output_gradients[" + std::to_string(i) + "] has dtype " +
                              dtype_name(seed.dtype()) + " but its target has dtype " +
                              dtype_name(x.dtype()));
            if (seed.shape() != x.shape()) {
              // TF multiplies the seed in, so one that broadcasts to the target's shape (a
              // scalar) works; anything else is TF's InvalidArgumentError (a ValueError here).
              bool fits = false;
              try {
                fits = ops::broadcast_shape(seed.shape(), x.shape(), "gradient") == x.shape();
              } catch (const InvalidArgument&) {
              }
              if (!fits)
                throw InvalidArgument("gradient: output_gradients[" + std::to_string(i) + "] has shape " +
                                      seed.shape().str() + ", which does not broadcast to its target's shape " +
                                      x.shape().str());
              seed = ops::broadcast_to(seed, x.shape());  // recorded: a watched seed stays differentiable
            }
          }
          tg.push_back(x);
          sd.push_back(seed);
        }
        std::vector<Tape::Source> src;
        for (py::handle h : sources) {
          Tape::Source s;
          if (is_variable(h)) s.var = variable_ptr(h);
          else s.tensor = Tensor(checked_tensor(h));
          src.push_back(s);
        }
        std::vector<Tensor> g = t.gradient(tg, sd, src);
        py::list out;
        for (const Tensor& x : g) out.append(wrap_or_none(x));
        return out;
      });

  py::class_<VariableWatcher>(m, "_VariableWatcher")
      .def(py::init<>())
      .def("variables", [](VariableWatcher& w) {
        py::list l;
        for (const Variable& v : w.variables()) l.append(py::cast(v));
        return l;
      });
  m.def("_recording", [] { return TapeStack::active(); }, "Whether any tape records on this thread.");
  m.def("_pause_all", [] { return std::make_unique<TapePause>(); });
  py::class_<TapePause>(m, "_TapePause");
}

}  // namespace tapegrad::bind
