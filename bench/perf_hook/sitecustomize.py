# Copied from the team's shared/perf/sitecustomize.py so `make bench` works from a clean clone.
"""Timing hook for a Streamlit server (active only when PERF_HOOK_LOG is set; the app is untouched).

Logs, per script run, perf_counter() start/end and thread CPU of (a) the script body
(exec_func_with_error_handling) and (b) streamlit's post-run cleanup (_on_script_finished,
which includes gc.collect(2)); with PERF_PROFILE_DIR set, also dumps a cProfile per run.
"""
import json
import os
import threading
import time

_LOG = os.environ.get("PERF_HOOK_LOG")
_PROF = os.environ.get("PERF_PROFILE_DIR")

if _LOG:
    from streamlit.runtime.scriptrunner import script_runner as _sr

    _lock = threading.Lock()
    _n = [0]
    _orig_exec = _sr.exec_func_with_error_handling
    _orig_fin = _sr.ScriptRunner._on_script_finished

    def _write(rec):
        with _lock, open(_LOG, "a") as f:
            f.write(json.dumps(rec) + "\n")

    def _exec(func, ctx):
        _n[0] += 1
        run = _n[0]
        prof = None
        if _PROF:
            import cProfile
            prof = cProfile.Profile()
            prof.enable()
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            return _orig_exec(func, ctx)
        finally:
            t1, c1 = time.perf_counter(), time.thread_time()
            if prof is not None:
                prof.disable()
                prof.dump_stats(os.path.join(_PROF, f"run_{run:04d}.prof"))
            _write({"what": "exec", "run": run, "t0": t0, "t1": t1, "ms": (t1 - t0) * 1000,
                    "cpu_ms": (c1 - c0) * 1000, "session": ctx.session_id[:8],
                    "page": getattr(ctx, "page_script_hash", "")[:8],
                    "fragment": bool(getattr(ctx, "current_fragment_id", None))})

    def _fin(self, ctx, event, premature_stop, run_descriptor):
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            return _orig_fin(self, ctx, event, premature_stop, run_descriptor)
        finally:
            t1, c1 = time.perf_counter(), time.thread_time()
            _write({"what": "finish", "t0": t0, "t1": t1, "ms": (t1 - t0) * 1000,
                    "cpu_ms": (c1 - c0) * 1000, "session": ctx.session_id[:8],
                    "event": str(event)})

    _orig_run = _sr.ScriptRunner._run_script

    def _run(self, rerun_data):
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            return _orig_run(self, rerun_data)
        finally:
            t1, c1 = time.perf_counter(), time.thread_time()
            _write({"what": "run_script", "t0": t0, "t1": t1, "ms": (t1 - t0) * 1000,
                    "cpu_ms": (c1 - c0) * 1000,
                    "session": str(getattr(self, "_session_id", ""))[:8]})

    from streamlit.runtime import app_session as _as

    _orig_back = _as.AppSession.handle_backmsg

    def _back(self, msg):
        kind = msg.WhichOneof("type")
        if kind == "rerun_script":
            _write({"what": "backmsg", "t0": time.perf_counter(), "t1": 0, "ms": 0,
                    "session": self.id[:8], "kind": kind})
        return _orig_back(self, msg)

    _sr.exec_func_with_error_handling = _exec
    _sr.ScriptRunner._on_script_finished = _fin
    _sr.ScriptRunner._run_script = _run
    _as.AppSession.handle_backmsg = _back
