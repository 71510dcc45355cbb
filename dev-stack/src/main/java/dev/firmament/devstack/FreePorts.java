package dev.firmament.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Picks free TCP ports on the loopback interface.
 *
 * <p>A picked port is free at the moment it is returned; another process may still take it before
 * the caller binds it, so servers started on a picked port retry with a new one when binding fails.
 */
public final class FreePorts {

  private FreePorts() {}

  /** Returns a TCP port that is currently free on 127.0.0.1. */
  public static int pick() {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free TCP port on the loopback interface", e);
    }
  }

  /** Returns {@code port} itself when it is positive, else a free port from {@link #pick()}. */
  public static int orPick(int port) {
    checkPort(port);
    return port == 0 ? pick() : port;
  }

  /**
   * Whether a server could listen on {@code port} on 127.0.0.1 right now. Like the servers
   * themselves, the probe uses {@code SO_REUSEADDR}, so closed connections lingering in TIME_WAIT
   * do not count as "in use".
   */
  public static boolean isFree(int port) {
    checkPort(port);
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static void checkPort(int port) {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
  }
}
