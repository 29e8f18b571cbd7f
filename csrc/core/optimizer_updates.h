// One-pass optimizer updates of a Variable and its slot Variables (Keras' formulas), for
// tapegrad.keras.optimizers. Each reads the gradient and every slot once and writes them once,
// in place under Note [Variable copy-on-write]. Shapes and dtypes are checked before any write.
#pragma once
#include "core/variable.h"

namespace tapegrad {

// m = momentum·m − lr·g;  w += nesterov ? momentum·m − lr·g : m
void sgd_momentum_update(VariableImpl& w, const Tensor& g, VariableImpl& m, double lr,
                         double momentum, bool nesterov);
// m += (g − m)(1 − b1);  v += (g² − v)(1 − b2);  vhat = max(vhat, v) if given (it then
// replaces v below);  w −= lr_t · m / (√v + eps)
void adam_update(VariableImpl& w, const Tensor& g, VariableImpl& m, VariableImpl& v,
                 VariableImpl* vhat, double lr_t, double b1, double b2, double eps);
// m += (g − m)(1 − b1);  u = max(b2·u, |g|) (NaN wins, as numpy's maximum);
// w −= lr_t · m / (u + eps)   (Adamax; lr_t = lr / (1 − b1^t))
void adamax_update(VariableImpl& w, const Tensor& g, VariableImpl& m, VariableImpl& u, double lr_t,
                   double b1, double b2, double eps);
// v = rho·v + (1 − rho)·g²;  step = lr·g / √(v + eps);  with mom: mom = momentum·mom + step,
// w −= mom; else w −= step
void rmsprop_update(VariableImpl& w, const Tensor& g, VariableImpl& v, VariableImpl* mom,
                    double lr, double rho, double momentum, double eps);

}  // namespace tapegrad
