package dev.firmament.api.firmware;

import dev.firmament.api.error.ErrorCode;
import dev.firmament.api.error.RestErrorHandler.ErrorBody;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * The upload endpoint for firmware CI: the raw image as the request body, no base64 and no GraphQL
 * client needed. Errors answer {@code {code, message}} with the codes of the GraphQL API.
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
      @RequestBody(required = false) byte[] image) {
    Firmware firmware = service.upload(productId, version, title, image);
    return new UploadedFirmware(
        firmware.id().toString(),
        firmware.version(),
        firmware.sha256(),
        firmware.size(),
        firmware.signature(),
        firmware.deltaBuildStatus());
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
