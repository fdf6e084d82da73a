#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Writes the seed corpora of the service/tz and chrony.conf source-line fuzz targets
# (tests/fuzz/corpus-<target>/) from this machine's tzdata and hand-written cases. Run once;
# the files are committed (kept small: a seed only has to reach a parser's branches).
import os, shutil

here = os.path.dirname(os.path.abspath(__file__))
zoneinfo = os.environ.get("TZDIR") or "/usr/share/zoneinfo"

def corpus(name, seeds):
    d = os.path.join(here, "corpus-" + name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for k, v in seeds.items():
        with open(os.path.join(d, k), "wb") as f:
            f.write(v if isinstance(v, bytes) else v.encode())
    print("%-16s %3d seeds, %6d bytes" % (name, len(seeds), sum(len(v) for v in seeds.values())))

def zone(name):
    with open(os.path.join(zoneinfo, name), "rb") as f:
        return f.read()

# TZif: v2+ files (the 64-bit block and a footer), the v3 footer extensions, negative DST,
# DST all year, a v1-only cut, and truncations.
ny = zone("America/New_York")
tzif = {
    "utc": zone("UTC"),
    "seoul": zone("Asia/Seoul"),
    "new-york": ny,
    "dublin-negative-dst": zone("Europe/Dublin"),
    "nuuk-v3-footer": zone("America/Nuuk"),
    "jerusalem-hour-26": zone("Asia/Jerusalem"),
    "casablanca-no-footer-rule": zone("Africa/Casablanca"),
    "lord-howe-half-hour": zone("Australia/Lord_Howe"),
    "truncated-header": ny[:30],
    "truncated-v1-data": ny[:200],
    "v1-block-only": b"TZif" + b"\0" + ny[5:44 + 0],
}
# a v1 file: header says version 0 and nothing follows the first block
hdr = ny[:44]
counts = [int.from_bytes(hdr[20 + 4 * i:24 + 4 * i], "big") for i in range(6)]
isutc, isstd, leap, timecnt, typecnt, charcnt = counts
v1len = 44 + timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isutc
tzif["v1-new-york"] = b"TZif\0" + ny[5:v1len]
corpus("tzif", tzif)

corpus("posix-tz", {
    "kst": "KST-9",
    "new-york": "EST5EDT,M3.2.0,M11.1.0",
    "dublin": "IST-1GMT0,M10.5.0,M3.5.0/1",
    "nuuk": "<-02>2<-01>,M3.5.0/-1,M10.5.0/0",
    "jerusalem": "IST-2IDT,M3.4.4/26,M10.5.0",
    "dst-all-year": "EST5EDT,0/0,J365/25",
    "julian": "XXX3YYY,J60/2,J300/2",
    "zero-based": "AAA-10BBB-11,59/2:30:15,300",
    "angle": "<+0330>-3:30<+0430>,J79/24,J263/24",
    "lord-howe": "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
    "empty": "",
    "colon-name": ":Asia/Seoul",
})

def subset(path, keep):
    out = []
    with open(os.path.join(zoneinfo, path), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") and len(out) < 3 or any(k in line for k in keep):
                out.append(line)
    return "".join(out)

keep = ["Asia/Seoul", "Europe/Berlin", "America/New_York", "Etc/UTC", "Asia/Kolkata", "KR\t",
        "DE\t", "US\t", "IN\t", "NO\t", "Europe/Oslo"]
zi = subset("tzdata.zi", keep + ["# version", "R E ", "R US "])
iso = subset("iso3166.tab", keep)
z1970 = subset("zone1970.tab", keep)
ztab = subset("zone.tab", keep)
corpus("tzdb", {
    "subset": "\0".join([zi, iso, z1970, ztab]),
    "zi-only": zi,
    "links-only": "Z Etc/UTC 0 - UTC\nL Etc/UTC UTC\nL Etc/UTC Zulu\nl Etc/UTC Universal\n",
    "bad-utf8": ("Z Asia/Se\udcffoul 8:27:52 - LMT\nZ Asia/Tokyo 9 - JST\n\0KR\tKorea (S"
                 "\udcffouth)\n\0KR\t+3733+12658\tAsia/Seoul\tcomment \udcfe\n\0").encode(
                     "utf-8", "surrogateescape"),
    "coordinates": "Z A/B 0 - X\n\0\0AA,BB\t+373300+1265800\tA/B\n"
                   "CC\t-9000-18000\tA/C\tc\nDD\t+9959+17959\tA/D\n\0",
})

corpus("sysconfig-clock", {
    "rhel": '# written by anaconda\nZONE="America/New_York"\nUTC=true\nARC=false\n',
    "single-quotes": "ZONE='Asia/Seoul'\n",
    "bare": "ZONE=Europe/Berlin # comment\nUTC=false",
    "two-zones": 'ZONE="A"\n  ZONE="B"\nX=1\n',
    "no-zone": "UTC=true",
    "no-newline-end": 'UTC=true\nZONE="x',
    "nul": b'ZONE="UTC"\0\nUTC=true\n',
    "crlf": 'ZONE="UTC"\r\nUTC=true\r\n',
})

corpus("adjtime", {
    "utc": "0.0 0 0\n0\nUTC\n",
    "local": "-12.345 1700000000 0\n1700000000\nLOCAL\n",
    "two-lines": "0.0 0 0\n0\n",
    "blank-lines": "\n\nLOCAL\n",
    "spaces": "0.0 0 0\n0\n  LOCAL  \n",
    "nul": b"0.0 0 0\n0\0junk\nLOCAL\n",
    "extra": "1 2 3\n4\nUTC\nextra line\n",
})

corpus("tz-trap", {
    "profile": "# /etc/profile\nexport TZ='Asia/Seoul'\nPATH=/usr/bin\n",
    "forms": 'TZ=UTC\nexport TZ="Europe/Berlin"; echo\n(TZ=:Asia/Tokyo date)\nfoo&&TZ=EST5EDT x\n',
    "environment": 'TZ="/usr/share/zoneinfo/Asia/Seoul"\nLANG=C.UTF-8\n',
    "posix": "TZ=KST-9\nTZ=UTC0\nTZ=GMT0\nTZ=\nTZ=''\n",
    "comments": "# TZ=Asia/Seoul\n   # export TZ=X\nA=1 # TZ=Y\n",
    "bad-utf8": b"# caf\xe9\nTZ=Asia/To\xffkyo\nTZ=Asia/Tokyo\n",
    "localtime": "TZ=:/etc/localtime\nTZ=/etc/localtime\n",
})

corpus("ntp-source", {
    "server": "server 192.0.2.1 iburst",
    "pool": "pool 2.debian.pool.ntp.org iburst maxsources 4",
    "peer": "peer 192.0.2.7 minpoll 4 maxpoll 6 prefer",
    "options": "server ntp.example.org minpoll -2 maxpoll 17 maxdelay 0.3 mindelay 0.001 "
               "offset -0.5 port 1123 minstratum 2 polltarget 12 filter 3 minsamples 4 "
               "maxsamples 32 maxdelayratio 2.5 maxdelaydevratio 7 noselect trust require",
    "unimplemented": "server 192.0.2.1 key 7 nts certset 1 xleave extfield F323 copy",
    "comment": "server 192.0.2.1 # minpoll 99999",
    "semicolon": "pool x ;$(reboot)",
    "bad-number": "server a minpoll 1e400 maxdelay nan",
    "ipv6": "server [2001:db8::1]:123 iburst",
    "directive": "makestep 1 3",
    "maxdistance": "maxdistance 16",
})
