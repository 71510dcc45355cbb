package dev.firmament.launcher.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * The devices' side of the ingest benchmark without a client stack per device: every device is one
 * MQTT 5 connection of its own, made with its own client id, user name and secret (so a broker that
 * enforces device identity checks each one as it would a real device), and all of them are served
 * by one selector thread that writes each device's QoS 1 publishes on its own topic at a fixed
 * interval and reads the broker's acknowledgements. At 10,000 devices a client library's connection
 * each (threads, timers, buffers) cost more of the machine than the stack under test; these cost a
 * socket and a few buffers.
 *
 * <p>It speaks only what the benchmark needs: CONNECT with a user name and password (no keep-alive,
 * clean start), PUBLISH at QoS 1, and it reads CONNACK, PUBACK and DISCONNECT. A refused connection
 * or a publish the broker answers with a failure reason code (0x80 and above, such as 0x87 "not
 * authorized") is counted, never retried.
 */
final class LeanDevices implements AutoCloseable {
  /** One device: its client id (the device id), its secret and its topic. */
  record Device(String clientId, String password, String topic) {}

  private static final int CONNECTS_IN_FLIGHT = 256;

  private final Selector selector;
  private final List<Connection> connections = new ArrayList<>();
  private final AtomicLong acknowledged = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong sent = new AtomicLong();
  private final Map<Integer, String> refusals = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile boolean closing;
  private volatile Schedule schedule;

  /** Who publishes when: {@code order[i]} at {@code phases[i]} into each interval. */
  private record Schedule(
      long startMillis,
      long endMillis,
      long intervalMillis,
      Connection[] order,
      long[] phases,
      LongFunction<byte[]> payload) {}

  private LeanDevices(InetSocketAddress broker, List<Device> devices, Duration timeout)
      throws IOException, InterruptedException {
    this.selector = Selector.open();
    for (Device d : devices) {
      connections.add(new Connection(d));
    }
    CountDownLatch connected = new CountDownLatch(devices.size());
    this.thread =
        Thread.ofPlatform().name("lean-devices").daemon().start(() -> run(broker, connected));
    if (!connected.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      close();
      throw new IllegalStateException(
          (devices.size() - connected.getCount())
              + " of "
              + devices.size()
              + " devices connected within "
              + timeout);
    }
    if (!refusals.isEmpty()) {
      close();
      throw new IllegalStateException("the broker refused devices, by reason code: " + refusals);
    }
  }

  /** Connects every device (at most {@value #CONNECTS_IN_FLIGHT} at a time) and waits for all. */
  static LeanDevices connect(String host, int port, List<Device> devices, Duration timeout)
      throws IOException, InterruptedException {
    return new LeanDevices(new InetSocketAddress(host, port), devices, timeout);
  }

  /**
   * From now on, every device publishes {@code payload.apply(now)} once per {@code interval}, each
   * at a random phase within it, until {@code duration} has passed; replaces an earlier schedule.
   */
  void publish(Duration interval, Duration duration, LongFunction<byte[]> payload) {
    long now = System.currentTimeMillis();
    int n = connections.size();
    long[][] byPhase = new long[n][2];
    for (int i = 0; i < n; i++) {
      byPhase[i][0] = ThreadLocalRandom.current().nextLong(interval.toMillis());
      byPhase[i][1] = i;
    }
    java.util.Arrays.sort(byPhase, (a, b) -> Long.compare(a[0], b[0]));
    Connection[] order = new Connection[n];
    long[] phases = new long[n];
    for (int i = 0; i < n; i++) {
      order[i] = connections.get((int) byPhase[i][1]);
      phases[i] = byPhase[i][0];
    }
    schedule =
        new Schedule(now, now + duration.toMillis(), interval.toMillis(), order, phases, payload);
    selector.wakeup();
  }

  long sent() {
    return sent.get();
  }

  long acknowledged() {
    return acknowledged.get();
  }

  /** Publishes the broker answered with a failure reason code, or that a closed connection lost. */
  long failed() {
    return failed.get();
  }

  @Override
  public void close() {
    closing = true;
    selector.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- the selector thread ----

  private void run(InetSocketAddress broker, CountDownLatch connected) {
    try (selector) {
      int next = 0;
      int opening = 0;
      Schedule current = null;
      int round = 0;
      int slot = 0;
      while (!closing) {
        while (next < connections.size() && opening < CONNECTS_IN_FLIGHT) {
          Connection c = connections.get(next++);
          try {
            c.open(broker);
            opening++;
          } catch (IOException e) {
            // Out of sockets or ports, say: counted as a refusal, as a failed connect is.
            refusals.merge(-1, c.device.clientId + ": " + e.getMessage(), (a, b) -> a);
            connected.countDown();
            c.drop();
          }
        }
        long wait = 100;
        Schedule s = schedule;
        if (s != current) {
          current = s;
          round = 0;
          slot = 0;
        }
        if (s != null) {
          long now = System.currentTimeMillis();
          while (slot < s.order.length) {
            long due = s.startMillis + round * s.intervalMillis + s.phases[slot];
            if (due >= s.endMillis) {
              slot = s.order.length;
              break;
            }
            if (due > now) {
              wait = Math.max(1, Math.min(wait, due - now));
              break;
            }
            s.order[slot].publish(s.payload.apply(now));
            if (++slot == s.order.length) {
              slot = 0;
              round++;
            }
          }
        }
        selector.select(wait);
        var keys = selector.selectedKeys().iterator();
        while (keys.hasNext()) {
          SelectionKey key = keys.next();
          keys.remove();
          Connection c = (Connection) key.attachment();
          try {
            if (key.isValid() && key.isConnectable()) {
              c.finishConnect();
            }
            if (key.isValid() && key.isWritable()) {
              c.flush();
            }
            if (key.isValid() && key.isReadable()) {
              int before = c.state;
              c.read();
              if (before == Connection.CONNECTING && c.state != Connection.CONNECTING) {
                opening--;
                connected.countDown();
              }
            }
          } catch (IOException e) {
            if (c.state == Connection.CONNECTING) {
              if (!(e instanceof Refused)) {
                refusals.merge(-1, c.device.clientId + ": " + e.getMessage(), (a, b) -> a);
              }
              opening--;
              connected.countDown();
            }
            c.drop();
          }
        }
      }
      for (Connection c : connections) {
        c.disconnect();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private final class Connection {
    static final int CONNECTING = 0;
    static final int CONNECTED = 1;
    static final int CLOSED = 2;

    final Device device;
    final byte[] topic;
    final ByteBuffer in = ByteBuffer.allocate(1024);
    final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
    SocketChannel channel;
    SelectionKey key;
    int state = CONNECTING;
    int packetId;
    int unacknowledged;

    Connection(Device device) {
      this.device = device;
      this.topic = device.topic.getBytes(StandardCharsets.UTF_8);
    }

    void open(InetSocketAddress broker) throws IOException {
      channel = SocketChannel.open();
      channel.configureBlocking(false);
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      key = channel.register(selector, SelectionKey.OP_CONNECT, this);
      if (channel.connect(broker)) {
        finishConnect();
      }
    }

    void finishConnect() throws IOException {
      if (!channel.finishConnect()) {
        return;
      }
      key.interestOps(SelectionKey.OP_READ);
      send(connectPacket(device));
    }

    void publish(byte[] payload) {
      if (state != CONNECTED) {
        failed.incrementAndGet();
        return;
      }
      packetId = packetId % 0xFFFF + 1;
      unacknowledged++;
      sent.incrementAndGet();
      try {
        send(publishPacket(topic, packetId, payload));
      } catch (IOException e) {
        drop();
      }
    }

    void send(ByteBuffer packet) throws IOException {
      if (out.isEmpty()) {
        channel.write(packet);
        if (!packet.hasRemaining()) {
          return;
        }
      }
      out.add(packet);
      key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
    }

    void flush() throws IOException {
      while (!out.isEmpty()) {
        ByteBuffer head = out.peek();
        channel.write(head);
        if (head.hasRemaining()) {
          return;
        }
        out.poll();
      }
      key.interestOps(SelectionKey.OP_READ);
    }

    void read() throws IOException {
      if (channel.read(in) < 0) {
        throw new IOException("the broker closed the connection");
      }
      in.flip();
      while (true) {
        in.mark();
        if (in.remaining() < 2) {
          break;
        }
        int type = in.get() & 0xFF;
        int length = 0;
        int shift = 0;
        boolean complete = false;
        while (in.hasRemaining()) {
          int b = in.get() & 0xFF;
          length |= (b & 0x7F) << shift;
          shift += 7;
          if ((b & 0x80) == 0) {
            complete = true;
            break;
          }
        }
        if (!complete || in.remaining() < length) {
          in.reset();
          break;
        }
        int end = in.position() + length;
        handle(type >> 4, length);
        in.position(end);
      }
      in.compact();
    }

    private void handle(int type, int length) throws IOException {
      switch (type) {
        case 2 -> { // CONNACK: flags, reason code
          in.get();
          int reason = in.get() & 0xFF;
          if (reason != 0) {
            refusals.merge(reason, device.clientId, (a, b) -> a);
            throw new Refused();
          }
          state = CONNECTED;
        }
        case 4 -> { // PUBACK: packet id, then a reason code unless it is 0 (success)
          in.getShort();
          int reason = length > 2 ? in.get() & 0xFF : 0;
          unacknowledged--;
          (reason >= 0x80 ? failed : acknowledged).incrementAndGet();
        }
        case 14 -> throw new IOException("the broker disconnected the device");
        default -> {
          // Nothing else is expected by a device that never subscribes.
        }
      }
    }

    void drop() {
      if (state == CLOSED && channel == null) {
        return;
      }
      state = CLOSED;
      failed.addAndGet(unacknowledged);
      unacknowledged = 0;
      try {
        if (channel != null) {
          channel.close();
        }
      } catch (IOException ignored) {
        // Closing a socket that failed.
      }
      channel = null;
    }

    /** Sends what is pending and a DISCONNECT as far as the socket takes them, then closes. */
    void disconnect() {
      if (state == CONNECTED) {
        try {
          out.add(ByteBuffer.wrap(new byte[] {(byte) 0xE0, 0}));
          for (ByteBuffer b : out) {
            channel.write(b);
          }
        } catch (IOException ignored) {
          // The broker ends the session when the socket closes all the same.
        }
      }
      drop();
    }
  }

  /** The broker answered CONNECT with a failure reason code (recorded in {@code refusals}). */
  private static final class Refused extends IOException {
    private static final long serialVersionUID = 1L;
  }

  // ---- MQTT 5 packets ----

  static ByteBuffer connectPacket(Device device) {
    byte[] id = device.clientId.getBytes(StandardCharsets.UTF_8);
    byte[] user = id;
    byte[] password = device.password.getBytes(StandardCharsets.UTF_8);
    int body = 10 + 1 + 2 + id.length + 2 + user.length + 2 + password.length;
    ByteBuffer b = ByteBuffer.allocate(1 + 4 + body);
    b.put((byte) 0x10);
    putLength(b, body);
    b.putShort((short) 4).put("MQTT".getBytes(StandardCharsets.US_ASCII));
    b.put((byte) 5); // protocol version
    b.put((byte) 0xC2); // user name, password, clean start
    b.putShort((short) 0); // no keep-alive
    b.put((byte) 0); // no properties
    b.putShort((short) id.length).put(id);
    b.putShort((short) user.length).put(user);
    b.putShort((short) password.length).put(password);
    return b.flip();
  }

  static ByteBuffer publishPacket(byte[] topic, int packetId, byte[] payload) {
    int body = 2 + topic.length + 2 + 1 + payload.length;
    ByteBuffer b = ByteBuffer.allocate(1 + 4 + body);
    b.put((byte) 0x32); // PUBLISH, QoS 1
    putLength(b, body);
    b.putShort((short) topic.length).put(topic);
    b.putShort((short) packetId);
    b.put((byte) 0); // no properties
    b.put(payload);
    return b.flip();
  }

  private static void putLength(ByteBuffer b, int length) {
    do {
      int digit = length & 0x7F;
      length >>>= 7;
      b.put((byte) (length > 0 ? digit | 0x80 : digit));
    } while (length > 0);
  }
}
