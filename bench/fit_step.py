"""Per-step cost of keras fit (Python overhead included): a 784-512(ReLU)-10 and an 8-16(ReLU)-1
MLP, mse, SGD, batch 32, 2048 samples, best of 7 epochs, 1 thread.

    PYTHONPATH=<tapegrad> python bench/fit_step.py <label>
"""
import time, sys, numpy as np
import tapegrad as tf
from tapegrad import keras
tf.set_num_threads(1)
rng=np.random.default_rng(0)
x=rng.standard_normal((2048,784)).astype(np.float32); y=rng.standard_normal((2048,10)).astype(np.float32)
tf.random.set_seed(0)
m=keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(512, activation='relu'), keras.layers.Dense(10)])
m.compile(optimizer=keras.optimizers.SGD(0.01), loss='mse')
m.fit(x,y,batch_size=32,epochs=1,verbose=0,shuffle=False)
best=1e9
for r in range(7):
    t=time.perf_counter(); m.fit(x,y,batch_size=32,epochs=1,verbose=0,shuffle=False); best=min(best,time.perf_counter()-t)
# small model: python overhead dominates
ms=keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(16, activation='relu'), keras.layers.Dense(1)])
ms.compile(optimizer=keras.optimizers.SGD(0.01), loss='mse')
xs=x[:, :8].copy(); ys=y[:, :1].copy()
ms.fit(xs,ys,batch_size=32,epochs=1,verbose=0,shuffle=False)
bs=1e9
for r in range(7):
    t=time.perf_counter(); ms.fit(xs,ys,batch_size=32,epochs=1,verbose=0,shuffle=False); bs=min(bs,time.perf_counter()-t)
print(f"{sys.argv[1]}: 784-512-10 step {best/64*1e6:.1f} us; 8-16-1 step {bs/64*1e6:.1f} us")
