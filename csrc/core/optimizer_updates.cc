// One-pass optimizer updates (see optimizer_updates.h). Memory-bound loops the compiler
// vectorises; split over the thread pool for large variables.
#include "core/optimizer_updates.h"

#include <cmath>

#include "core/gil.h"
#include "kernels/threadpool.h"

namespace tapegrad {
namespace {

constexpr i64 kParallelElems = 1 << 17;

template <class F>
void run(i64 n, F&& body) {
  GilRelease nogil(n >= kGilReleaseElems);
  if (n >= kParallelElems) parallel_for(n, num_threads(), body);
  else body(i64(0), n);
}

void check_slot(const VariableImpl& w, VariableImpl& slot, const char* op) {
  slot.check_compatible(w.value(), op);
}

}  // namespace

void sgd_momentum_update(VariableImpl& w, const Tensor& g, VariableImpl& m, double lr,
                         double momentum, bool nesterov) {
  const char* op = "SGD.apply_gradients";
  require_floating(w.dtype(), op);
  w.check_compatible(g, op);
  check_slot(w, m, op);
  Tensor wt = w.writable_value(true), mt = m.writable_value(true);
  dispatch_dtype(g.dtype(), [&](auto t) {
    using T = decltype(t);
    T* pw = wt.data<T>();
    T* pm = mt.data<T>();
    const T* pg = g.data<T>();
    const T lr_ = static_cast<T>(lr), mo = static_cast<T>(momentum);
    run(g.numel(), [&](i64 b, i64 e) {
      if (nesterov) {
        for (i64 i = b; i < e; ++i) {
          T mi = mo * pm[i] - lr_ * pg[i];
          pm[i] = mi;
          pw[i] += mo * mi - lr_ * pg[i];
        }
      } else {
        for (i64 i = b; i < e; ++i) {
          T mi = mo * pm[i] - lr_ * pg[i];
          pm[i] = mi;
          pw[i] += mi;
        }
      }
    });
  });
}

void adam_update(VariableImpl& w, const Tensor& g, VariableImpl& m, VariableImpl& v,
                 VariableImpl* vhat, double lr_t, double b1, double b2, double eps) {
  const char* op = "Adam.apply_gradients";
  require_floating(w.dtype(), op);
  w.check_compatible(g, op);
  check_slot(w, m, op);
  check_slot(w, v, op);
  if (vhat) check_slot(w, *vhat, op);
  Tensor wt = w.writable_value(true), mt = m.writable_value(true), vt = v.writable_value(true);
  Tensor ht = vhat ? vhat->writable_value(true) : Tensor();
  dispatch_dtype(g.dtype(), [&](auto t) {
    using T = decltype(t);
    T* pw = wt.data<T>();
    T* pm = mt.data<T>();
    T* pv = vt.data<T>();
    T* ph = vhat ? ht.data<T>() : nullptr;
    const T* pg = g.data<T>();
    const T a1 = static_cast<T>(1 - b1), a2 = static_cast<T>(1 - b2);
    const T lr_ = static_cast<T>(lr_t), ep = static_cast<T>(eps);
    run(g.numel(), [&](i64 b, i64 e) {
      for (i64 i = b; i < e; ++i) {
        T gi = pg[i];
        T mi = pm[i] + (gi - pm[i]) * a1;
        T vi = pv[i] + (gi * gi - pv[i]) * a2;
        pm[i] = mi;
        pv[i] = vi;
        if (ph) {
          vi = ph[i] > vi ? ph[i] : vi;
          ph[i] = vi;
        }
        pw[i] -= lr_ * mi / (std::sqrt(vi) + ep);
      }
    });
  });
}

void adamax_update(VariableImpl& w, const Tensor& g, VariableImpl& m, VariableImpl& u, double lr_t,
                   double b1, double b2, double eps) {
  const char* op = "Adamax.apply_gradients";
  require_floating(w.dtype(), op);
  w.check_compatible(g, op);
  check_slot(w, m, op);
  check_slot(w, u, op);
  Tensor wt = w.writable_value(true), mt = m.writable_value(true), ut = u.writable_value(true);
  dispatch_dtype(g.dtype(), [&](auto t) {
    using T = decltype(t);
    T* pw = wt.data<T>();
    T* pm = mt.data<T>();
    T* pu = ut.data<T>();
    const T* pg = g.data<T>();
    const T a1 = static_cast<T>(1 - b1), b2_ = static_cast<T>(b2);
    const T lr_ = static_cast<T>(lr_t), ep = static_cast<T>(eps);
    run(g.numel(), [&](i64 b, i64 e) {
      for (i64 i = b; i < e; ++i) {
        const T gi = pg[i];
        const T mi = pm[i] + (gi - pm[i]) * a1;
        const T ag = std::abs(gi), bu = b2_ * pu[i];
        const T ui = ((ag > bu) | (ag != ag)) ? ag : bu;
        pm[i] = mi;
        pu[i] = ui;
        pw[i] -= lr_ * mi / (ui + ep);
      }
    });
  });
}

void rmsprop_update(VariableImpl& w, const Tensor& g, VariableImpl& v, VariableImpl* mom,
                    double lr, double rho, double momentum, double eps) {
  const char* op = "RMSprop.apply_gradients";
  require_floating(w.dtype(), op);
  w.check_compatible(g, op);
  check_slot(w, v, op);
  if (mom) check_slot(w, *mom, op);
  Tensor wt = w.writable_value(true), vt = v.writable_value(true);
  Tensor mt = mom ? mom->writable_value(true) : Tensor();
  dispatch_dtype(g.dtype(), [&](auto t) {
    using T = decltype(t);
    T* pw = wt.data<T>();
    T* pv = vt.data<T>();
    T* pm = mom ? mt.data<T>() : nullptr;
    const T* pg = g.data<T>();
    const T r = static_cast<T>(rho), a = static_cast<T>(1 - rho), lr_ = static_cast<T>(lr);
    const T mo = static_cast<T>(momentum), ep = static_cast<T>(eps);
    run(g.numel(), [&](i64 b, i64 e) {
      for (i64 i = b; i < e; ++i) {
        T gi = pg[i];
        T vi = r * pv[i] + a * gi * gi;
        pv[i] = vi;
        T step = lr_ * gi / std::sqrt(vi + ep);
        if (pm) {
          T mi = mo * pm[i] + step;
          pm[i] = mi;
          pw[i] -= mi;
        } else {
          pw[i] -= step;
        }
      }
    });
  });
}

}  // namespace tapegrad
