#!/usr/bin/env python3
"""Server-side service time of HTTP/1.1 keep-alive exchanges, read from a packet capture.

usage: service-time.py CAPTURE.pcap PORT [LABEL]

CAPTURE is a tcpdump capture on the loopback interface (`tcpdump -i lo -s 128
--time-stamp-precision=nano -w CAPTURE tcp port PORT`); PORT is the server's port. For each
client connection, a request starts with the first client->server segment carrying data after the
previous answer, and is served when the last server->client data segment before the next request
left. service time = last answer segment - first request segment, as the kernel saw them: the
server's whole work (and, for a proxy, its upstream round trip) without the client's own time.
This assumes one request in flight per connection (no pipelining), as wrk and the benchmark
client send them.

Prints one JSON line: {"label", "requests", "p50_us", "p90_us", "p99_us", "p999_us", "mean_us"}.
"""
import json
import struct
import sys


def packets(path):
    with open(path, "rb") as f:
        header = f.read(24)
        magic = struct.unpack("<I", header[:4])[0]
        if magic == 0xA1B2C3D4:
            endian, scale = "<", 1e-6
        elif magic == 0xA1B23C4D:
            endian, scale = "<", 1e-9
        elif magic == 0xD4C3B2A1:
            endian, scale = ">", 1e-6
        elif magic == 0x4D3CB2A1:
            endian, scale = ">", 1e-9
        else:
            sys.exit(f"{path}: not a pcap file (magic {magic:#x})")
        linktype = struct.unpack(endian + "I", header[20:24])[0]
        if linktype == 1:
            link_len = 14  # Ethernet (Linux loopback)
        elif linktype == 113:
            link_len = 16  # Linux cooked capture (-i any)
        elif linktype == 276:
            link_len = 20  # Linux cooked capture v2
        else:
            sys.exit(f"{path}: unsupported link type {linktype}")
        record = struct.Struct(endian + "IIII")
        while True:
            rh = f.read(16)
            if len(rh) < 16:
                return
            sec, frac, incl, _orig = record.unpack(rh)
            data = f.read(incl)
            ts = sec + frac * scale
            ip = data[link_len:]
            if len(ip) < 20 or ip[0] >> 4 != 4:
                continue  # IPv4 only: the harness listens on 127.0.0.1
            ihl = (ip[0] & 0x0F) * 4
            total = struct.unpack("!H", ip[2:4])[0]
            if ip[9] != 6:
                continue
            tcp = ip[ihl:]
            if len(tcp) < 20:
                continue
            sport, dport = struct.unpack("!HH", tcp[:4])
            payload = total - ihl - (tcp[12] >> 4) * 4
            if payload > 0:
                yield ts, sport, dport, payload


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    i = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[i]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    path, port = sys.argv[1], int(sys.argv[2])
    label = sys.argv[3] if len(sys.argv) > 3 else path
    # per client port: [request start, last answer segment or None]
    open_requests = {}
    times = []
    for ts, sport, dport, _ in packets(path):
        if dport == port:  # client -> server
            state = open_requests.get(sport)
            if state is None:
                open_requests[sport] = [ts, None]
            elif state[1] is not None:  # the previous answer is complete: a new request
                times.append(state[1] - state[0])
                open_requests[sport] = [ts, None]
        elif sport == port:  # server -> client
            state = open_requests.get(dport)
            if state is not None:
                state[1] = ts
    # The last request of each connection may have been cut by the end of the capture: dropped.
    times.sort()
    us = [t * 1e6 for t in times]
    print(json.dumps({
        "label": label,
        "requests": len(us),
        "p50_us": percentile(us, 50),
        "p90_us": percentile(us, 90),
        "p99_us": percentile(us, 99),
        "p999_us": percentile(us, 99.9),
        "mean_us": sum(us) / len(us) if us else None,
    }))


if __name__ == "__main__":
    main()
