#!/usr/bin/python3
"""A foreign AMQP 1.0 client for the interop test: Apache Qpid Proton (Debian's python3-qpid-proton).

  proton_client.py send    <url> <address> <json-messages>   send and wait for each disposition
  proton_client.py receive <url> <address> <count> <timeout> receive, accept, print JSON lines

Messages are JSON objects: id, correlation_id, content_type, subject, group_id, creation_time (ms),
properties (string map), body_hex, and text (a string body, sent as an amqp-value string).
"""
import json
import sys

from proton import Message
from proton.utils import BlockingConnection


def connect(url):
    # url: host:port user password
    host, user, password = url.split(' ')
    return BlockingConnection(host, user=user, password=password, allowed_mechs='PLAIN', timeout=30)


def send(url, address, messages):
    conn = connect(url)
    try:
        sender = conn.create_sender(address)
        for m in messages:
            msg = Message()
            msg.id = m.get('id')
            msg.correlation_id = m.get('correlation_id')
            msg.content_type = m.get('content_type')
            msg.subject = m.get('subject')
            msg.group_id = m.get('group_id')
            msg.durable = True
            if 'creation_time' in m:
                msg.creation_time = m['creation_time'] / 1000.0
            msg.properties = m.get('properties') or {}
            if 'text' in m:
                msg.body = m['text']
            else:
                msg.body = bytes.fromhex(m.get('body_hex', ''))
                msg.inferred = True  # bytes as a data section, as most clients send them
            sender.send(msg)  # blocks until the broker settled it (raises on reject/release)
        print(json.dumps({'sent': len(messages)}))
    finally:
        conn.close()


def body_hex(body):
    if body is None:
        return ''
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body).hex()
    if isinstance(body, str):
        return body.encode('utf-8').hex()
    return json.dumps(body).encode('utf-8').hex()


def receive(url, address, count, timeout):
    conn = connect(url)
    try:
        receiver = conn.create_receiver(address, credit=count)
        for _ in range(count):
            msg = receiver.receive(timeout=timeout)
            print(json.dumps({
                'id': None if msg.id is None else str(msg.id),
                'correlation_id': None if msg.correlation_id is None else str(msg.correlation_id),
                'content_type': None if msg.content_type is None else str(msg.content_type),
                'subject': msg.subject,
                'group_id': msg.group_id,
                'durable': msg.durable,
                'creation_time': None if msg.creation_time is None else round(msg.creation_time * 1000),
                'properties': {str(k): str(v) for k, v in (msg.properties or {}).items()},
                'body_hex': body_hex(msg.body),
            }), flush=True)
            receiver.accept()
    finally:
        conn.close()


def main():
    mode, url, address = sys.argv[1], sys.argv[2], sys.argv[3]
    if mode == 'send':
        send(url, address, json.loads(sys.argv[4]))
    elif mode == 'receive':
        receive(url, address, int(sys.argv[4]), float(sys.argv[5]))
    else:
        sys.exit('unknown mode ' + mode)


if __name__ == '__main__':
    main()
