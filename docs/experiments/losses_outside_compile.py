"""The experiments behind trainlint's facts about losses applied outside ``compile`` (custom training loops).

Run: ``python docs/experiments/losses_outside_compile.py > docs/experiments/losses_outside_compile.json``
(TensorFlow 2.21, Keras 3.15.1 gave the JSON beside this file). What it shows:

* ``tf.nn.softmax_cross_entropy_with_logits`` / ``sparse_softmax_cross_entropy_with_logits`` on a softmax
  model's output compute the double-softmax value (``reference_double_softmax_ce``), eager and in a
  ``tf.function``, without a warning: unlike Keras losses they never use the logits Keras caches behind a
  softmax (keras-semantics.md §1.5).
* ``SparseCategoricalCrossentropy(from_logits=True)`` on a sigmoid head, applied to ``model(x)`` in a loop,
  computes softmax-CE of the pre-sigmoid logits (with Keras's warning that names a "Softmax"), while
  ``predict`` rows do not sum to 1: the categorical-on-sigmoid objective, not a plain from_logits slip.
* ``CategoricalCrossentropy(from_logits=True)`` on a softmax head in an eager loop: the cached logits are
  used, with the warning (the same as in ``fit``).
* ``tf.losses.X`` is ``tf.keras.losses.X``; the argument orders trainlint relies on (``y_true, y_pred``;
  ``target, output``; ``labels, logits``) are the signatures printed under ``signatures``.
"""
import inspect, json, warnings
import numpy as np
import tensorflow as tf
import keras

out = {"tf": tf.__version__, "keras": keras.__version__}
rng = np.random.default_rng(0)
x = rng.normal(size=(32, 8)).astype("float32")
y_ids = rng.integers(0, 4, size=(32,))
y_hot = np.eye(4, dtype="float32")[y_ids]

def model_with(activation):
    inputs = keras.Input(shape=(8,))
    outputs = keras.layers.Dense(4, activation=activation)(inputs)
    return keras.Model(inputs, outputs)

softmax_model = model_with("softmax")
logits_of = keras.Model(softmax_model.input, softmax_model.layers[-1].output)  # same layer
dense = softmax_model.layers[-1]
def pre_activation(xv):
    return xv @ dense.kernel.numpy() + dense.bias.numpy()
z = pre_activation(x)
p = tf.nn.softmax(z).numpy()
correct_ce = float(tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y_hot, logits=z)))
double = float(tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y_hot, logits=p)))

def record(name, fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = float(fn())
    out[name] = {"value": value, "warnings": [str(w.message)[:120] for w in caught]}

# (a) tf.nn.softmax_cross_entropy_with_logits on a softmax model's output, eager and in tf.function
record("tfnn_softmax_ce_on_softmax_eager",
       lambda: tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y_hot, logits=softmax_model(x, training=True))))
@tf.function
def step_a(xb, yb):
    return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=yb, logits=softmax_model(xb, training=True)))
record("tfnn_softmax_ce_on_softmax_tf_function", lambda: step_a(x, y_hot))
record("tfnn_sparse_on_softmax_eager", lambda: tf.reduce_mean(
    tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y_ids, logits=softmax_model(x))))
out["reference_softmax_ce_of_logits"] = correct_ce
out["reference_double_softmax_ce"] = double

# (b) SparseCategoricalCrossentropy(from_logits=True) on a 4-unit sigmoid head in a custom loop
sigmoid_model = model_with("sigmoid")
sd = sigmoid_model.layers[-1]
zs = x @ sd.kernel.numpy() + sd.bias.numpy()
out["reference_softmax_ce_of_pre_sigmoid_logits"] = float(tf.reduce_mean(
    tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y_ids, logits=zs)))
out["reference_softmax_ce_of_sigmoid_outputs"] = float(tf.reduce_mean(
    tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y_ids, logits=tf.sigmoid(zs))))
scce_logits = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
record("scce_from_logits_on_sigmoid_eager", lambda: scce_logits(y_ids, sigmoid_model(x, training=True)))
@tf.function
def step_b(xb, yb):
    return scce_logits(yb, sigmoid_model(xb, training=True))
record("scce_from_logits_on_sigmoid_tf_function", lambda: step_b(x, y_ids))
out["sigmoid_predictions_row_sums"] = [float(s) for s in sigmoid_model.predict(x, verbose=0).sum(axis=1)[:3]]

# (c) CategoricalCrossentropy(from_logits=True) on softmax head in a custom loop: cached logits?
cce_logits = keras.losses.CategoricalCrossentropy(from_logits=True)
record("cce_from_logits_on_softmax_eager", lambda: cce_logits(y_hot, softmax_model(x, training=True)))

# (d) aliases and signatures
out["tf_losses_is_keras_losses"] = tf.losses.BinaryCrossentropy is tf.keras.losses.BinaryCrossentropy
out["tf_keras_losses_module"] = tf.keras.losses.BinaryCrossentropy.__module__
out["signatures"] = {
    "keras.losses.categorical_crossentropy": str(inspect.signature(keras.losses.categorical_crossentropy)),
    "keras.losses.sparse_categorical_crossentropy": str(inspect.signature(keras.losses.sparse_categorical_crossentropy)),
    "keras.losses.binary_crossentropy": str(inspect.signature(keras.losses.binary_crossentropy)),
    "keras.losses.binary_focal_crossentropy": str(inspect.signature(keras.losses.binary_focal_crossentropy)),
    "keras.ops.categorical_crossentropy": str(inspect.signature(keras.ops.categorical_crossentropy)),
    "keras.ops.sparse_categorical_crossentropy": str(inspect.signature(keras.ops.sparse_categorical_crossentropy)),
    "keras.ops.binary_crossentropy": str(inspect.signature(keras.ops.binary_crossentropy)),
    "keras.losses.Loss.__call__": str(inspect.signature(keras.losses.Loss.__call__)),
    "tf.nn.softmax_cross_entropy_with_logits": str(inspect.signature(tf.nn.softmax_cross_entropy_with_logits)),
    "tf.nn.sparse_softmax_cross_entropy_with_logits": str(inspect.signature(tf.nn.sparse_softmax_cross_entropy_with_logits)),
    "tf.nn.sigmoid_cross_entropy_with_logits": str(inspect.signature(tf.nn.sigmoid_cross_entropy_with_logits)),
    "tf.compat.v1.nn.softmax_cross_entropy_with_logits_v2": str(inspect.signature(tf.compat.v1.nn.softmax_cross_entropy_with_logits_v2)),
}
try:
    import tf_keras
    out["signatures"]["tf_keras.backend.sparse_categorical_crossentropy"] = str(inspect.signature(tf_keras.backend.sparse_categorical_crossentropy))
    out["signatures"]["tf_keras.backend.categorical_crossentropy"] = str(inspect.signature(tf_keras.backend.categorical_crossentropy))
    out["signatures"]["tf_keras.backend.binary_crossentropy"] = str(inspect.signature(tf_keras.backend.binary_crossentropy))
except ImportError as e:
    out["tf_keras"] = str(e)
out["keras_backend_has_scce"] = hasattr(keras.backend, "sparse_categorical_crossentropy")
print(json.dumps(out, indent=1))
