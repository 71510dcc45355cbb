package dev.firmament.api.firmware;

import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import dev.firmament.api.error.RestErrorHandler.ErrorBody;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * The upload endpoint for firmware CI: the raw image as the request body, no base64 and no GraphQL
 * client needed. Errors answer {@code {code, message}} with the codes of the GraphQL API.
 *
 * <p>The body is never held in memory: it streams through {@link FirmwareService#upload} into the
 * artifact store. An image over the configured maximum answers 413 {@code TOO_LARGE}, at once when
 * its {@code Content-Length} says so, else as soon as the stream passes the limit.
 */
@RestController
public class FirmwareUploadController {
  private final FirmwareService service;

  public FirmwareUploadController(FirmwareService service) {
    this.service = service;
  }

  /** What the endpoint answers on success. */
  public record UploadedFirmware(
      String id,
      String version,
      String sha256,
      long size,
      String signature,
      String deltaBuildStatus) {}

  @PostMapping(
      path = "/api/v1/products/{productId}/firmware",
      consumes = MediaType.APPLICATION_OCTET_STREAM_VALUE,
      produces = MediaType.APPLICATION_JSON_VALUE)
  @ResponseStatus(HttpStatus.CREATED)
  public UploadedFirmware upload(
      @PathVariable String productId,
      @RequestParam String version,
      @RequestParam(required = false) String title,
      HttpServletRequest request)
      throws IOException {
    InputStream image = request.getInputStream();
    Firmware firmware;
    try {
      firmware = service.upload(productId, version, title, image, request.getContentLengthLong());
    } catch (ApiException e) {
      if (e.code() != ErrorCode.TOO_LARGE) {
        drain(image);
      }
      throw e;
    }
    return new UploadedFirmware(
        firmware.id().toString(),
        firmware.version(),
        firmware.sha256(),
        firmware.size(),
        firmware.signature(),
        firmware.deltaBuildStatus());
  }

  /**
   * Reads what is left of a refused upload's body, up to the size limit, and discards it. Clients
   * that send the whole body before they read the answer (most HTTP/1.1 clients, our CLI among
   * them) then get the refusal rather than a reset connection, as when the body was read before any
   * check. A body over the limit is left for the container to cut off.
   */
  private void drain(InputStream image) {
    try {
      long left = service.maxImageBytes() + 1;
      byte[] buffer = new byte[8192];
      int n;
      while (left > 0 && (n = image.read(buffer, 0, (int) Math.min(buffer.length, left))) != -1) {
        left -= n;
      }
    } catch (IOException e) {
      // The client went away; there is nobody left to answer.
    }
  }

  /**
   * Any other content type (curl's {@code --data-binary} defaults to a form) gets the API's error
   * body rather than the container's empty 415: a mismatch is found before a handler is chosen, so
   * no controller advice would see it.
   */
  @PostMapping(
      path = "/api/v1/products/{productId}/firmware",
      consumes = "!" + MediaType.APPLICATION_OCTET_STREAM_VALUE,
      produces = MediaType.APPLICATION_JSON_VALUE)
  public ResponseEntity<ErrorBody> wrongContentType() {
    return ResponseEntity.status(HttpStatus.UNSUPPORTED_MEDIA_TYPE)
        .body(
            new ErrorBody(
                ErrorCode.INVALID_ARGUMENT.name(),
                "send the image as application/octet-stream",
                null));
  }
}
