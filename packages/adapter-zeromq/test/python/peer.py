"""An independent ZeroMQ peer for polybus interop tests, on Debian's python3-zmq (pyzmq + libzmq).

It speaks the polybus envelope from its documentation only (README "Wire format"), not from polybus
code. Modes (argv[1]):
  push-raw ENDPOINT N        PUSH connects; sends N single-frame bodies "raw-<i>", then one polybus
                             envelope written by hand, then exits.
  sub-envelope ENDPOINT TOPIC N
                             SUB connects and subscribes to TOPIC; prints "probe-seen" on the first
                             body b"probe", then prints one JSON line per other message (topic,
                             metadata, body hex) until N arrived, then exits.
  pub-burst ENDPOINT TOPIC N SIZE
                             XPUB binds; prints "joined" when a subscriber subscribed; on stdin "go"
                             sends N stamped envelopes of SIZE bytes without ever blocking (PUB drops
                             at its high-water mark), prints "sent"; on stdin "end" sends one more
                             (seq N+1, body "end"); exits when stdin closes.
"""
import json
import sys

import zmq

MAGIC = b"\x00pb1"


def envelope(meta):
    return MAGIC + json.dumps(meta, separators=(",", ":")).encode("utf-8")


def push_raw(endpoint, n):
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PUSH)
    sock.setsockopt(zmq.LINGER, 5000)
    sock.connect(endpoint)
    for i in range(n):
        sock.send(b"raw-%d" % i)
    meta = {"id": "py-1", "ts": 1700000000000, "key": "py-key", "h": {"x-from": "python", "content-type": "text/plain"}}
    sock.send_multipart([envelope(meta), "from python ✓".encode("utf-8")])
    sock.close()
    ctx.term()


def sub_envelope(endpoint, topic, n):
    ctx = zmq.Context()
    sock = ctx.socket(zmq.SUB)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.SUBSCRIBE, topic.encode("utf-8"))
    sock.connect(endpoint)
    seen_probe = False
    got = 0
    while got < n:
        frames = sock.recv_multipart()
        if len(frames) != 3 or not frames[1].startswith(MAGIC):
            print(json.dumps({"error": "unexpected frames", "count": len(frames)}), flush=True)
            continue
        if frames[2] == b"probe":
            if not seen_probe:
                seen_probe = True
                print("probe-seen", flush=True)
            continue
        meta = json.loads(frames[1][len(MAGIC):].decode("utf-8"))
        print(json.dumps({"topic": frames[0].decode("utf-8"), "meta": meta, "body": frames[2].hex()}), flush=True)
        got += 1
    sock.close()
    ctx.term()


def pub_burst(endpoint, topic, n, size):
    ctx = zmq.Context()
    sock = ctx.socket(zmq.XPUB)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.SNDHWM, 100)
    sock.bind(endpoint)
    while True:
        sub = sock.recv()
        if sub[:1] == b"\x01" and topic.encode("utf-8").startswith(sub[1:]) and not sub[1:].startswith(b"\x00"):
            break
    print("joined", flush=True)
    body = b"x" * size
    topic_frame = topic.encode("utf-8")
    for line in sys.stdin:
        command = line.strip()
        if command == "go":
            for seq in range(1, n + 1):
                meta = {"id": "burst-%d" % seq, "ts": 1700000000000, "src": "python-burst", "seq": seq}
                sock.send_multipart([topic_frame, envelope(meta), body])
            print("sent", flush=True)
        elif command == "end":
            meta = {"id": "burst-end", "ts": 1700000000000, "src": "python-burst", "seq": n + 1}
            sock.send_multipart([topic_frame, envelope(meta), b"end"])
            print("ended", flush=True)
    sock.close()
    ctx.term()


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "push-raw":
        push_raw(sys.argv[2], int(sys.argv[3]))
    elif mode == "sub-envelope":
        sub_envelope(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif mode == "pub-burst":
        pub_burst(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    else:
        sys.exit("unknown mode " + mode)
