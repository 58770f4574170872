#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpora of the fuzz targets into tests/data/fuzz/<target>/seed-*: small, valid inputs of every
form each reader knows, so that libFuzzer starts from deep inside the formats. The session and nsys seeds come from
a tiny lab run of edgescope-cli (give its path), shrunk to a few rows per table with 512-byte pages.
Usage: python3 tests/fuzz/make_seeds.py build/bin/edgescope-cli"""
import gzip, os, shutil, sqlite3, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "data", "fuzz")

def put(target, name, data):
    os.makedirs(os.path.join(OUT, target), exist_ok=True)
    with open(os.path.join(OUT, target, "seed-" + name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

KINETO_CURRENT = """{"schemaVersion": 1, "deviceProperties": [{"id": 0, "name": "NVIDIA A100", "totalGlobalMem": 42298834944}],
"baseTimeNanoseconds": 1700000000000000000, "traceEvents": [
{"ph": "M", "name": "process_name", "pid": 100, "tid": 0, "args": {"name": "python"}},
{"ph": "M", "name": "thread_name", "pid": 100, "tid": 101, "args": {"name": "thread 101 (python)"}},
{"ph": "X", "cat": "user_annotation", "name": "detector", "pid": 100, "tid": 101, "ts": 10.5, "dur": 90.25},
{"ph": "X", "cat": "cpu_op", "name": "aten::conv2d", "pid": 100, "tid": 101, "ts": 11, "dur": 40,
 "args": {"External id": 3, "Input Dims": [[1, 3, 300, 300]], "Sequence number": 7}},
{"ph": "X", "cat": "cuda_runtime", "name": "cudaLaunchKernel", "pid": 100, "tid": 101, "ts": 20, "dur": 5,
 "args": {"correlation": 42, "external id": 3, "cbid": 211}},
{"ph": "X", "cat": "kernel", "name": "void implicit_convolve_sgemm<float>", "pid": 0, "tid": 7, "ts": 26, "dur": 30,
 "args": {"device": 0, "stream": 7, "correlation": 42, "grid": [8, 1, 1], "block": [256, 1, 1], "registers per thread": 64}},
{"ph": "X", "cat": "cuda_runtime", "name": "cudaMemcpyAsync", "pid": 100, "tid": 101, "ts": 60, "dur": 4,
 "args": {"correlation": 43}},
{"ph": "X", "cat": "gpu_memcpy", "name": "Memcpy DtoH (Device -> Pageable)", "pid": 0, "tid": 7, "ts": 61, "dur": 3,
 "args": {"device": 0, "stream": 7, "correlation": 43, "bytes": 4096, "memory bandwidth (GB/s)": 1.3}},
{"ph": "X", "cat": "gpu_memset", "name": "Memset (Device)", "pid": 0, "tid": 7, "ts": 65, "dur": 1,
 "args": {"device": 0, "stream": 7, "correlation": 44, "bytes": 512}},
{"ph": "X", "cat": "cuda_runtime", "name": "cudaStreamSynchronize", "pid": 100, "tid": 101, "ts": 70, "dur": 20,
 "args": {"correlation": 45}},
{"ph": "X", "cat": "cuda_sync", "name": "Stream Sync", "pid": 0, "tid": 7, "ts": 70, "dur": 20,
 "args": {"device": 0, "stream": 7, "correlation": 45}},
{"ph": "X", "cat": "gpu_user_annotation", "name": "detector", "pid": 0, "tid": 7, "ts": 26, "dur": 40},
{"ph": "s", "id": 42, "pid": 100, "tid": 101, "ts": 20, "cat": "ac2g", "name": "ac2g"},
{"ph": "f", "id": 42, "pid": 0, "tid": 7, "ts": 26, "cat": "ac2g", "name": "ac2g", "bp": "e"},
{"ph": "i", "s": "t", "name": "marker", "pid": 100, "tid": 101, "ts": 95}
], "traceName": "seed.pt.trace.json", "displayTimeUnit": "ms"}
"""

KINETO_2021 = """{"schemaVersion": 1, "traceEvents": [
{"ph": "X", "cat": "Operator", "name": "aten::addmm", "pid": 5, "tid": "5", "ts": 1600000000000001, "dur": 12},
{"ph": "X", "cat": "Runtime", "name": "cudaLaunchKernel", "pid": 5, "tid": "5", "ts": 1600000000000003, "dur": 4,
 "args": {"correlation": 9, "external id": 1}},
{"ph": "X", "cat": "Kernel", "name": "volta_sgemm_128x64_nn", "pid": 0, "tid": "stream 7", "ts": 1600000000000008, "dur": 6,
 "args": {"queued": 0, "device": 0, "context": 1, "stream": 7, "correlation": 9, "external id": 1}},
{"ph": "X", "cat": "Memcpy", "name": "Memcpy HtoD (Pageable -> Device)", "pid": 0, "tid": "stream 7", "ts": 1600000000000015, "dur": 2,
 "args": {"device": 0, "context": 1, "stream": 7, "correlation": 10, "bytes": 1024}}
]}
"""

def kineto():
    for name, text in (("current.json", KINETO_CURRENT), ("2021.json", KINETO_2021)):
        put("kineto", "plain-" + name, b"\x00" + text.encode())
        put("kineto", "gzip-" + name, b"\x01" + text.encode())  # the target gzips it
    put("kineto", "golden-chrome.json", b"\x00" + open(os.path.join(ROOT, "tests/data/golden/small.chrome.json"), "rb").read())
    put("kineto", "raw-gzip.json.gz", b"\x00" + gzip.compress(KINETO_2021.encode()))

def nvtxt():
    put("nvtxt", "golden.nvtxt", open(os.path.join(ROOT, "tests/data/golden/small.nvtxt"), "rb").read())
    put("nvtxt", "relative.nvtxt", """SetFileDisplayName, seed
@RangeStartEnd, Start, End, ThreadId, Message
@RangePush, Time, ThreadId, Message
@RangePop, Time, ThreadId
@Marker, Time, ThreadId, Message
TimeBase = Relative
Payload = 5
ProcessId = 12
CategoryId = 1
DomainId = 2
Color = Blue
RangeStartEnd, 0, 100, 13, "a ""quoted"" range"
RangePush, 10, 13, "push"
RangePop, 40, 13
Marker, 50, 13, "mark"
""")

def tegrastats():
    folder = os.path.join(ROOT, "tests/data/tegrastats")
    for name in sorted(os.listdir(folder)):
        if name.endswith(".txt"):
            lines = open(os.path.join(folder, name), "rb").read().splitlines()[:2]
            put("tegrastats", name, b"\n".join(lines) + b"\n")

def sysfs():
    files = [b"cpu  100 0 50 1000 5 0 2 0 0 0\ncpu0 100 0 50 1000 5 0 2 0 0 0\n",
             b"MemTotal: 8000000 kB\nMemAvailable: 4000000 kB\nSwapTotal: 1000 kB\nSwapFree: 500 kB\n",
             b"Name: edgescope\nVmHWM: 2048 kB\nVmRSS: 1024 kB\nThreads: 4\n",
             b"1479000\n", b"schedutil\n", b"1479000\n", b"GPU-therm\n", b"41500\n", b"gpu\n", b"523\n",
             b"921600000\n", b"nvhost_podgov\n", b"921600000\n", b"ina3221x\n", b"VDD_IN\n", b"4870\n",
             b"VDD_CPU_GPU_CV\n", b"5072\n", b"960\n", b"pmode:0000\n",
             b"< POWER_MODEL ID=0 NAME=MAXN >\n< POWER_MODEL ID=1 NAME=5W >\n"]
    put("sysfs", "jetson", b"\xff".join(files))
    put("sysfs", "empty-rails", b"\xff".join(files[:13]))

def y4m():
    def frames(header, plane_bytes, count=2):
        return header.encode() + b"\n" + b"".join(b"FRAME\n" + bytes((i * 7 + k) % 256 for k in range(plane_bytes)) for i in range(count))
    put("y4m", "420jpeg", frames("YUV4MPEG2 W4 H4 F25:1 Ip A1:1 C420jpeg", 16 + 4 + 4))
    put("y4m", "420paldv-full", frames("YUV4MPEG2 W6 H2 F30000:1001 Ip C420paldv XCOLORRANGE=FULL", 12 + 3 + 3))
    put("y4m", "422", frames("YUV4MPEG2 W4 H2 F10:1 C422", 8 + 4 + 4))
    put("y4m", "444", frames("YUV4MPEG2 W2 H2 F10:1 C444 XYSCSS=444", 4 * 3))
    put("y4m", "mono", frames("YUV4MPEG2 W3 H3 F1:1 Cmono", 9))

def cli_values():
    for i, text in enumerate(["all", "0,2,4", "s2-device-pre-post,s4", "640x480", "30m", "1h30m", "90.5s", "nvtxt",
                              "--frames 12 --batch 4 --threads 2 --seed 18446744073709551615 --min-time 0.5 --steps 0,1",
                              "--frames -1 --batch 1e3 --sample-period 0x10"]):
        put("cli_values", str(i), text)

def shrink(path, out):
    """A copy of a SQLite file with at most 3 rows per table and 512-byte pages."""
    shutil.copy(path, out)
    db = sqlite3.connect(out)
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall():
        db.execute(f'DELETE FROM "{table}" WHERE rowid NOT IN (SELECT rowid FROM "{table}" LIMIT 3)')
    db.commit()
    db.execute("PRAGMA page_size=512")
    db.execute("VACUUM")
    db.close()
    return open(out, "rb").read()

def sqlite_seeds(cli):
    work = tempfile.mkdtemp()
    session = os.path.join(work, "lab.sqlite")
    subprocess.run([cli, "run", "--synthetic", "64x64", "--steps", "0,2", "--frames", "2", "--warmup", "0",
                    "--profile", "full", "--no-detector-only", "-q", "--out", session], check=True,
                   stdout=subprocess.DEVNULL, env=dict(os.environ, OMP_NUM_THREADS="1"))
    put("session", "lab.sqlite", shrink(session, os.path.join(work, "small.sqlite")))
    nsys = os.path.join(work, "nsys.sqlite")
    subprocess.run([cli, "export", session, "--format", "nsys-sqlite", "-o", nsys], check=True, stderr=subprocess.DEVNULL)
    put("nsys_sqlite", "export.sqlite", shrink(nsys, os.path.join(work, "small-nsys.sqlite")))
    shutil.rmtree(work)

if __name__ == "__main__":
    kineto(); nvtxt(); tegrastats(); sysfs(); y4m(); cli_values()
    if len(sys.argv) > 1:
        sqlite_seeds(sys.argv[1])
    print("seeds written to", OUT)
