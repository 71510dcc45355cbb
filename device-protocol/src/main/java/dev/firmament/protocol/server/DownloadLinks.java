package dev.firmament.protocol.server;

import dev.firmament.protocol.DownloadLink;

/**
 * Signs links to one artifact in object storage for a device that downloads over HTTPS. The gateway
 * asks for a fresh link each time it sends the offer (the first time, after a stall, and when the
 * device says its link expired), on its event loop: signing must be a local computation, not a
 * round trip.
 */
@FunctionalInterface
public interface DownloadLinks {

  /**
   * A fresh link to the whole artifact, valid for a while.
   *
   * @throws RuntimeException when no link can be signed; the gateway then cancels the delivery
   */
  DownloadLink sign();
}
