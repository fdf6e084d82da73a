#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Writes the seed corpus (tests/fuzz/corpus/) for the NTP packet fuzzer: well-formed replies
# and the malformations the decoder must refuse. Run once; the files are committed.
import os, struct

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
os.makedirs(out, exist_ok=True)

def pkt(li=0, vn=4, mode=4, stratum=2, poll=6, prec=-20, rdelay=0x400, rdisp=0x800,
        refid=0xC0A80001, ref=0xE900000000000000, org=0xE9000001AAAAAAAA,
        rx=0xE9000001BBBBBBBB, tx=0xE9000001CCCCCCCC):
    return struct.pack(">BBbbIII QQQQ".replace(" ", ""), (li << 6) | (vn << 3) | mode,
                       stratum, poll, prec, rdelay, rdisp, refid, ref, org, rx, tx)

def ef(t, length):
    return struct.pack(">HH", t, length) + b"\0" * (length - 4)

seeds = {
    "reply-v4": pkt(),
    "reply-v3": pkt(vn=3),
    "kod-rate": pkt(li=3, stratum=0, refid=0x52415445),
    "kod-deny": pkt(li=3, stratum=0, refid=0x44454E59),
    "kod-rstr": pkt(li=3, stratum=0, refid=0x52535452),
    "stratum16": pkt(stratum=16),
    "leap3": pkt(li=3),
    "zero-tx": pkt(tx=0),
    "broadcast": pkt(mode=5),
    "client": pkt(mode=3),
    "ef-28": pkt() + ef(0x0104, 28),
    "ef-16-mac20": pkt() + ef(0x0204, 16) + b"\0" * 20,
    "mac24": pkt() + b"\1" * 24,
    "crypto-nak": pkt() + b"\0" * 4,
    "ef-bad-len": pkt() + ef(0x0104, 16)[:2] + b"\xff\xff" + b"\0" * 12,
    "ef-zero-len": pkt() + b"\0" * 32,
    "truncated": pkt()[:40],
    "odd-length": pkt() + b"\0\0",
    "leap-insert": pkt(li=1),
    "huge-root": pkt(rdelay=0xffffffff, rdisp=0xffffffff),
}
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
print("wrote %d seeds to %s" % (len(seeds), out))
