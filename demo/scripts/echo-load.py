#!/usr/bin/env python3
"""Load test for the demo echo server with an independent TLS client (Python's ssl, OpenSSL).

N concurrent connections each do a full handshake, echo B bytes (verified byte for byte) and close
with close_notify. Prints wall time, handshakes/s, handshake latency percentiles and failures.

  java -jar demo/target/tlsloop-demo.jar server --port 8443 --ca-out /tmp/ca.pem &
  python3 demo/scripts/echo-load.py --port 8443 --cafile /tmp/ca.pem --connections 1000 --bytes 65536

With --hold S every connection first completes its handshake, then all stay idle for S seconds
(measure the server meanwhile, e.g. jcmd PID GC.run; jcmd PID GC.heap_info), then each echoes.
"""
import argparse
import asyncio
import os
import ssl
import sys
import time


async def one(i, args, ctx, hs_times, failures, all_open):
    payload = os.urandom(args.bytes)
    t0 = time.perf_counter()
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(args.host, args.port, ssl=ctx, server_hostname="localhost"),
            timeout=args.timeout)
        hs_times.append(time.perf_counter() - t0)
        if args.hold > 0:
            if len(hs_times) == args.connections:
                print("all %d connections open; holding them idle %.0f s" % (args.connections, args.hold),
                      flush=True)
                all_open.set()
            await all_open.wait()
            await asyncio.sleep(args.hold)
        got = bytearray()

        async def send():
            for off in range(0, len(payload), 16384):
                writer.write(payload[off:off + 16384])
                await writer.drain()

        sender = asyncio.ensure_future(send())
        while len(got) < len(payload):
            chunk = await asyncio.wait_for(reader.read(65536), timeout=args.timeout)
            if not chunk:
                raise EOFError("EOF after %d bytes" % len(got))
            got += chunk
        await sender
        if bytes(got) != payload:
            raise AssertionError("echo differs")
        writer.close()
        try:
            await asyncio.wait_for(writer.wait_closed(), timeout=args.timeout)
        except (ssl.SSLError, ConnectionError):
            pass
    except Exception as e:  # noqa: BLE001 - every failure is counted and shown
        failures.append("%d: %r" % (i, e))


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--cafile", required=True)
    p.add_argument("--connections", type=int, default=1000)
    p.add_argument("--bytes", type=int, default=65536)
    p.add_argument("--timeout", type=float, default=60.0)
    p.add_argument("--tls", choices=["1.2", "1.3", "any"], default="1.3")
    p.add_argument("--hold", type=float, default=0.0)
    args = p.parse_args()
    ctx = ssl.create_default_context(cafile=args.cafile)
    if args.tls == "1.3":
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    elif args.tls == "1.2":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    hs_times, failures = [], []
    t0 = time.perf_counter()
    all_open = asyncio.Event()
    await asyncio.gather(
        *(one(i, args, ctx, hs_times, failures, all_open) for i in range(args.connections)))
    wall = time.perf_counter() - t0
    hs = sorted(hs_times)

    def pct(q):
        return hs[min(len(hs) - 1, int(len(hs) * q))] * 1000 if hs else float("nan")

    print("connections %d x %d B, TLS %s: wall %.2f s, %.0f handshakes/s, handshake p50 %.0f ms"
          " p99 %.0f ms, failures %d" % (args.connections, args.bytes, args.tls, wall,
                                         len(hs) / wall, pct(0.5), pct(0.99), len(failures)))
    for f in failures[:10]:
        print("  " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
