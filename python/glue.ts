/**
 * The Python side of the adapter, run once per Pyodide instance. Every call
 * the engine makes per frame goes through one of these small functions, so a
 * frame costs one JS→Python call for `step` and one for `get_state`.
 * (No line starts with `import`: the drop-in bundle must hold no ES import.)
 */
export const GLUE_MODULE = '_netroll_glue';

export const GLUE_SOURCE = String.raw`
from types import ModuleType
from json import dumps, loads
from sys import modules

REQUIRED = ("reset", "step", "get_state", "set_state")

def load_module(name, source, filename):
    mod = ModuleType(name)
    mod.__file__ = filename
    modules[name] = mod
    try:
        exec(compile(source, filename, "exec"), mod.__dict__)
    except BaseException:
        del modules[name]
        raise
    return mod

def find_class(mod, class_name):
    if class_name:
        cls = getattr(mod, class_name, None)
        if cls is None:
            raise LookupError(f"{mod.__file__} defines no {class_name!r}")
    else:
        cls = getattr(mod, "netroll_game", None)
        if cls is None:
            raise LookupError(f"{mod.__file__}: name the class (className, or #Class after a .py URL) or set netroll_game = YourClass")
    if not isinstance(cls, type):
        raise TypeError(f"{class_name or 'netroll_game'} is not a class")
    missing = [m for m in REQUIRED if not callable(getattr(cls, m, None))]
    if missing:
        raise TypeError(f"{cls.__name__} lacks {', '.join(m + '()' for m in missing)}")
    return cls

def features(cls):
    return {
        "render": callable(getattr(cls, "render", None)),
        "episode_over": callable(getattr(cls, "episode_over", None)),
        "record": callable(getattr(cls, "record", None)),
        "input_size": int(getattr(cls, "input_size", 0) or 0),
    }

def make(cls, params_json, players, seed):
    env = cls(players, **loads(params_json))
    env.reset(seed)
    return env

def reset(env, seed):
    env.reset(seed)

def step_over(env, *actions):
    env.step(list(actions))
    return bool(env.episode_over())

def step(env, *actions):
    env.step(list(actions))
    return False

def step_wide(env, buf, players, size, has_over):
    data = buf.to_bytes()
    env.step([int.from_bytes(data[p * size:(p + 1) * size], "big") for p in range(players)])
    return bool(env.episode_over()) if has_over else False

def episode_over(env):
    return bool(env.episode_over())

def _state_bytes(env):
    b = env.get_state()
    if isinstance(b, (bytearray, memoryview)):
        b = bytes(b)
    if not isinstance(b, bytes):
        raise TypeError(f"get_state() must return bytes, got {type(b).__name__}")
    return b

def save(env, target):
    from js import Uint8Array
    b = _state_bytes(env)
    if target is not None and target.length == len(b):
        target.assign(b)
        return target
    out = Uint8Array.new(len(b))
    out.assign(b)
    return out

def load(env, buf):
    env.set_state(buf.to_bytes())

def render(env):
    return dumps(env.render(), separators=(",", ":"))

def record(env):
    return dumps(env.record(), separators=(",", ":"))
`;
