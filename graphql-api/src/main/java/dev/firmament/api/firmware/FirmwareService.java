package dev.firmament.api.firmware;

import dev.firmament.api.caller.Callers;
import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import dev.firmament.api.error.UniqueViolations;
import dev.firmament.api.product.Product;
import dev.firmament.api.product.ProductService;
import dev.firmament.api.tenant.TenantResolver;
import dev.firmament.artifact.ArtifactInputException;
import dev.firmament.artifact.ArtifactStore;
import dev.firmament.artifact.ArtifactTooLargeException;
import dev.firmament.artifact.StoredArtifact;
import dev.firmament.orchestrator.delta.DeltaBuildStatus;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.util.Base64;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.stereotype.Service;
import org.springframework.util.unit.DataSize;

/**
 * Firmware uploads, shared by the GraphQL mutation and the REST endpoint for CI.
 *
 * <p>The image streams into the artifact store, hashed as it passes, so memory stays bounded
 * whatever its size. Everything that can be refused without the whole image is checked before it
 * streams; the size limit is enforced while it streams, and the row is written only once the stream
 * has ended. So a refused or interrupted upload leaves neither a row nor an object behind.
 */
@Service
public class FirmwareService {
  /** The artifact kind of whole images in the content-addressed store. */
  public static final String FULL_IMAGE = "full";

  static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,63}");
  private static final int MAX_TITLE = 200;

  private final FirmwareRepository firmware;
  private final ProductService products;
  private final TenantResolver tenants;
  private final ArtifactStore artifacts;
  private final DeltaBuildStarter deltaBuilds;
  private final long maxImageBytes;

  public FirmwareService(
      FirmwareRepository firmware,
      ProductService products,
      TenantResolver tenants,
      ArtifactStore artifacts,
      DeltaBuildStarter deltaBuilds,
      @Value("${firmament.firmware.max-image-size:256MB}") DataSize maxImageSize) {
    this.firmware = firmware;
    this.products = products;
    this.tenants = tenants;
    this.artifacts = artifacts;
    this.deltaBuilds = deltaBuilds;
    this.maxImageBytes = maxImageSize.toBytes();
  }

  @PreAuthorize("hasAuthority('SCOPE_firmware:write')")
  public Firmware uploadBase64(String productId, String version, String title, String base64) {
    Product product = products.require(productId);
    checkMetadata(version, title);
    byte[] image;
    try {
      image = Base64.getMimeDecoder().decode(base64 == null ? "" : base64.strip());
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid("contentBase64 is not valid base64: " + e.getMessage());
    }
    return store(product, version, title, new ByteArrayInputStream(image), image.length);
  }

  /**
   * Stores an image read from {@code image} to its end.
   *
   * @param declaredSize the size the client announced (its {@code Content-Length}), or -1 when it
   *     did not; an announced size over the limit is refused before a byte is read
   */
  @PreAuthorize("hasAuthority('SCOPE_firmware:write')")
  public Firmware upload(
      String productId, String version, String title, InputStream image, long declaredSize) {
    Product product = products.require(productId);
    checkMetadata(version, title);
    return store(product, version, title, image, declaredSize);
  }

  /** The largest image accepted, in bytes ({@code firmament.firmware.max-image-size}). */
  public long maxImageBytes() {
    return maxImageBytes;
  }

  private static void checkMetadata(String version, String title) {
    if (version == null || !VERSION.matcher(version).matches()) {
      throw ApiException.invalid(
          "version must be 1 to 64 characters from A-Z a-z 0-9 . _ + -, starting with a letter or"
              + " digit");
    }
    if (title != null && title.length() > MAX_TITLE) {
      throw ApiException.invalid("title must be at most " + MAX_TITLE + " characters");
    }
  }

  private Firmware store(
      Product product, String version, String title, InputStream image, long declaredSize) {
    if (declaredSize > maxImageBytes) {
      throw tooLarge(": " + declaredSize);
    }
    // A bounded peek: an empty body is refused before anything reaches the store.
    PushbackInputStream body = new PushbackInputStream(image, 1);
    try {
      int first = body.read();
      if (first == -1) {
        throw ApiException.invalid("the firmware image is empty");
      }
      body.unread(first);
    } catch (IOException e) {
      throw interrupted(e);
    }
    UUID organizationId = tenants.organizationId();
    if (firmware.versionExists(organizationId, product.id(), version)) {
      throw alreadyExists(product, version, null);
    }
    // The store is content-addressed and idempotent: if the insert below loses a race, the object
    // is the same bytes another upload may use, not garbage.
    StoredArtifact artifact;
    try {
      artifact = artifacts.put(FULL_IMAGE, body, maxImageBytes);
    } catch (ArtifactTooLargeException e) {
      throw tooLarge("");
    } catch (ArtifactInputException e) {
      throw interrupted(e);
    }
    // The manifest is signed later, by the delta role, which alone holds the release key; the
    // row records who uploaded it, which is what allows the signature.
    Firmware stored;
    try {
      stored =
          firmware.insert(
              organizationId,
              product.id(),
              version,
              blankToNull(title),
              artifact,
              Callers.current().actor());
    } catch (RuntimeException e) {
      if (UniqueViolations.isUniqueViolation(e)) {
        throw alreadyExists(product, version, e);
      }
      throw e;
    }
    // The row is committed; the delta build starts after it and can never undo the upload.
    DeltaBuildStatus status = deltaBuilds.start(stored.id());
    return status == DeltaBuildStatus.PENDING ? stored : withStatus(stored, status);
  }

  private static Firmware withStatus(Firmware f, DeltaBuildStatus status) {
    return new Firmware(
        f.id(),
        f.productId(),
        f.version(),
        f.title(),
        f.sha256(),
        f.size(),
        f.storageKey(),
        f.uploadedAt(),
        f.manifest(),
        f.signature(),
        status.name(),
        f.invalidatedAt(),
        f.invalidReason());
  }

  private ApiException tooLarge(String detail) {
    return new ApiException(
        ErrorCode.TOO_LARGE, "the firmware image exceeds " + maxImageBytes + " bytes" + detail);
  }

  private static ApiException interrupted(Exception e) {
    return new ApiException(
        ErrorCode.INVALID_ARGUMENT,
        "the firmware image could not be read to its end: " + e.getMessage(),
        e);
  }

  private static ApiException alreadyExists(Product product, String version, Throwable cause) {
    return new ApiException(
        ErrorCode.ALREADY_EXISTS,
        "product " + product.id() + " already has firmware version " + version,
        cause);
  }

  private static String blankToNull(String title) {
    return title == null || title.isBlank() ? null : title.strip();
  }
}
