package dev.firmament.artifact;

import dev.firmament.manifest.Sha256;
import io.minio.BucketExistsArgs;
import io.minio.CopyObjectArgs;
import io.minio.Directive;
import io.minio.GetObjectArgs;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.Http;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.SourceObject;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.MinioException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ArtifactStore} on any S3-compatible service (MinIO in production), through minio-java.
 * minio-java reports an error answer as a {@link MinioException} and an S3 it cannot reach as an
 * {@link IllegalStateException} around the I/O error; both become an {@link
 * ArtifactStoreException}, which callers treat as an infrastructure error.
 */
public final class S3ArtifactStore implements ArtifactStore, ArtifactLinks, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(S3ArtifactStore.class);
  private static final String SHA256_META = "firmament-sha256";
  private static final Pattern KIND = Pattern.compile("[a-z][a-z0-9-]{0,31}");
  private static final Pattern KEY = Pattern.compile("[a-z][a-z0-9-]{0,31}/[0-9a-f]{64}");

  /**
   * Streamed artifacts land under this prefix first, since their content address is known only at
   * their end; the object is copied to its address and removed. Only a crash mid-upload leaves one
   * behind, so a bucket lifecycle rule may expire the prefix after a day.
   */
  public static final String INCOMING_PREFIX = "incoming/";

  /**
   * The part size of multipart uploads, and so what one upload holds in memory at most: minio-java
   * buffers one part before sending it. Streams that end within one part go up in a single request.
   */
  static final long PART_SIZE = 5L * 1024 * 1024;

  /** The longest a pre-signed link may live (S3's limit for signature version 4). */
  static final Duration MAX_LINK_TTL = Duration.ofDays(7);

  private final MinioClient client;
  private final MinioClient signer;
  private final String bucket;
  private volatile boolean bucketReady;

  public S3ArtifactStore(MinioClient client, String bucket) {
    this(client, client, bucket);
  }

  /**
   * @param signer signs the links devices download from: a client of the address devices reach (the
   *     storage's public name, or a CDN in front of it), with the same keys and a region set, so
   *     that signing makes no request
   */
  public S3ArtifactStore(MinioClient client, MinioClient signer, String bucket) {
    this.client = client;
    this.signer = signer;
    this.bucket = bucket;
  }

  /**
   * Builds a store for an endpoint with static keys, creating the bucket when it is missing. When
   * S3 cannot be reached the store is built anyway and prepares its bucket on first use: a process
   * started during an S3 outage runs what needs no S3 (rollout workflows, device reports, cached
   * artifacts) and its S3 calls fail as infrastructure errors until S3 is back. When S3 answers
   * with an error (wrong keys, no right to the bucket) the configuration is wrong and this throws.
   */
  public static S3ArtifactStore connect(
      String endpoint, String accessKey, String secretKey, String bucket) {
    return connect(endpoint, endpoint, accessKey, secretKey, bucket);
  }

  /**
   * As {@link #connect(String, String, String, String)}, with the links devices download from
   * signed for {@code publicEndpoint}: the address at which devices reach the storage.
   */
  public static S3ArtifactStore connect(
      String endpoint, String publicEndpoint, String accessKey, String secretKey, String bucket) {
    MinioClient client = client(endpoint, accessKey, secretKey);
    MinioClient signer =
        publicEndpoint.equals(endpoint) ? client : client(publicEndpoint, accessKey, secretKey);
    S3ArtifactStore store = new S3ArtifactStore(client, signer, bucket);
    try {
      store.ensureBucket();
    } catch (ArtifactStoreException e) {
      if (e.getCause() instanceof ErrorResponseException) {
        // S3 answered: the keys or the rights are wrong, which waiting does not mend.
        throw e;
      }
      log.warn(
          "artifact store unreachable at start, its bucket is prepared on first use bucket={}"
              + " error={}",
          bucket,
          e.getMessage());
    }
    return store;
  }

  private static MinioClient client(String endpoint, String accessKey, String secretKey) {
    return MinioClient.builder()
        .endpoint(endpoint)
        .region("us-east-1")
        .credentials(accessKey, secretKey)
        .httpClient(httpClient(), true)
        .build();
  }

  /**
   * An HTTP client of its own (connections and threads, which {@link #close} ends) with the TLS
   * settings minio's default client has, built once per process: minio trusts the certificates
   * named by {@code SSL_CERT_FILE} and {@code SSL_CERT_DIR} besides the JDK's, and reads and parses
   * every one of them for each client it builds, seconds of CPU with a system CA directory.
   */
  private static OkHttpClient httpClient() {
    return template()
        .newBuilder()
        .dispatcher(new Dispatcher())
        .connectionPool(new ConnectionPool())
        .build();
  }

  /** Minio's default client, never used for a call itself: only copied. */
  private static volatile OkHttpClient template;

  /**
   * Builds the template on first use. A failure (minio cannot read the certificates the environment
   * names) is thrown to that caller as minio's own exception and not kept: the next store tries
   * again, as it would have without the template.
   */
  private static OkHttpClient template() {
    OkHttpClient t = template;
    if (t == null) {
      synchronized (S3ArtifactStore.class) {
        t = template;
        if (t == null) {
          t = Http.newDefaultClient();
          template = t;
        }
      }
    }
    return t;
  }

  @Override
  public Link presignGet(String storageKey, Duration ttl) {
    checkKey(storageKey);
    if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(MAX_LINK_TTL) > 0) {
      throw new IllegalArgumentException("a link lives 1 s to 7 days, not " + ttl);
    }
    Instant now = Instant.now();
    try {
      String url =
          signer.getPresignedObjectUrl(
              GetPresignedObjectUrlArgs.builder()
                  .method(Http.Method.GET)
                  .bucket(bucket)
                  .object(storageKey)
                  .expiry((int) ttl.toSeconds())
                  .build());
      return new Link(url, now.plusSeconds(ttl.toSeconds()));
    } catch (MinioException | RuntimeException e) {
      throw new ArtifactStoreException(
          "cannot sign a link to " + storageKey + ": " + e.getMessage(), e);
    }
  }

  /**
   * Closes the S3 client: its HTTP connections and the threads that serve them, which would
   * otherwise keep a stopping process alive until they idle out.
   */
  @Override
  public void close() {
    try {
      client.close();
      if (signer != client) {
        signer.close();
      }
    } catch (Exception e) {
      log.warn("artifact store client did not close cleanly error={}", e.toString());
    }
  }

  /** Creates the bucket when it is missing, once per store; the next call tries again on error. */
  void ensureBucket() {
    if (bucketReady) {
      return;
    }
    try {
      if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
        client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
        log.info("artifact bucket created bucket={}", bucket);
      }
      bucketReady = true;
    } catch (MinioException | IllegalStateException e) {
      throw new ArtifactStoreException(
          "cannot prepare bucket " + bucket + ": " + e.getMessage(), e);
    }
  }

  public static String keyFor(String kind, String sha256) {
    return kind + "/" + sha256;
  }

  @Override
  public StoredArtifact put(String kind, byte[] bytes) {
    checkKind(kind);
    ensureBucket();
    String sha256 = Sha256.hex(bytes);
    String key = keyFor(kind, sha256);
    Optional<StoredArtifact> existing = stat(key);
    if (existing.isPresent()) {
      return existing.get();
    }
    try {
      client.putObject(
          PutObjectArgs.builder().bucket(bucket).object(key).stream(
                  new ByteArrayInputStream(bytes), (long) bytes.length, -1L)
              .contentType("application/octet-stream")
              .userMetadata(Map.of(SHA256_META, sha256))
              .build());
    } catch (MinioException | IllegalStateException e) {
      throw new ArtifactStoreException("cannot store " + key + ": " + e.getMessage(), e);
    }
    return new StoredArtifact(key, sha256, bytes.length);
  }

  @Override
  public StoredArtifact put(String kind, InputStream bytes, long maxBytes) {
    checkKind(kind);
    if (maxBytes < 1) {
      throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
    }
    ensureBucket();
    MeteredInputStream metered = new MeteredInputStream(bytes, maxBytes);
    String incoming = INCOMING_PREFIX + UUID.randomUUID();
    try {
      try {
        // With no size given, minio-java sends one part at a time and aborts the multipart upload
        // when the stream fails, so a refused stream leaves no parts behind either.
        client.putObject(
            PutObjectArgs.builder().bucket(bucket).object(incoming).stream(metered, null, PART_SIZE)
                .contentType("application/octet-stream")
                .build());
      } catch (MinioException | IllegalStateException e) {
        if (metered.exceeded()) {
          throw new ArtifactTooLargeException(maxBytes);
        }
        if (metered.sourceFailure() != null) {
          throw new ArtifactInputException(metered.sourceFailure());
        }
        throw new ArtifactStoreException("cannot store " + incoming + ": " + e.getMessage(), e);
      }
      String sha256 = metered.sha256();
      String key = keyFor(kind, sha256);
      Optional<StoredArtifact> existing = stat(key);
      if (existing.isPresent()) {
        return existing.get();
      }
      try {
        client.copyObject(
            CopyObjectArgs.builder()
                .bucket(bucket)
                .object(key)
                .source(SourceObject.builder().bucket(bucket).object(incoming).build())
                .metadataDirective(Directive.REPLACE)
                .headers(Map.of("Content-Type", "application/octet-stream"))
                .userMetadata(Map.of(SHA256_META, sha256))
                .build());
      } catch (MinioException | IllegalStateException e) {
        throw new ArtifactStoreException("cannot store " + key + ": " + e.getMessage(), e);
      }
      return new StoredArtifact(key, sha256, metered.count());
    } finally {
      removeIncoming(incoming);
    }
  }

  private void removeIncoming(String incoming) {
    try {
      client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(incoming).build());
    } catch (MinioException | RuntimeException e) {
      // The upload's outcome stands either way; a leftover is only space, under a prefix that
      // nothing reads.
      log.warn("incoming artifact not removed key={} error={}", incoming, e.toString());
    }
  }

  @Override
  public byte[] read(String storageKey) {
    try (InputStream in = open(storageKey)) {
      byte[] bytes = in.readAllBytes();
      String expected = storageKey.substring(storageKey.indexOf('/') + 1);
      String actual = Sha256.hex(bytes);
      if (!expected.equals(actual)) {
        throw new ArtifactStoreException(
            "artifact " + storageKey + " is corrupt: its bytes hash to " + actual);
      }
      return bytes;
    } catch (IOException e) {
      throw new ArtifactStoreException("cannot read " + storageKey + ": " + e.getMessage(), e);
    }
  }

  @Override
  public InputStream open(String storageKey) {
    checkKey(storageKey);
    ensureBucket();
    try {
      return client.getObject(GetObjectArgs.builder().bucket(bucket).object(storageKey).build());
    } catch (ErrorResponseException e) {
      if (isNotFound(e)) {
        throw new ArtifactNotFoundException(storageKey);
      }
      throw new ArtifactStoreException("cannot open " + storageKey + ": " + e.getMessage(), e);
    } catch (MinioException | IllegalStateException e) {
      throw new ArtifactStoreException("cannot open " + storageKey + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<StoredArtifact> stat(String storageKey) {
    checkKey(storageKey);
    ensureBucket();
    try {
      StatObjectResponse stat =
          client.statObject(StatObjectArgs.builder().bucket(bucket).object(storageKey).build());
      Set<String> sha = stat.userMetadata().get(SHA256_META);
      String sha256 =
          sha == null || sha.isEmpty()
              ? storageKey.substring(storageKey.indexOf('/') + 1)
              : sha.iterator().next();
      return Optional.of(new StoredArtifact(storageKey, sha256, stat.size()));
    } catch (ErrorResponseException e) {
      if (isNotFound(e)) {
        return Optional.empty();
      }
      throw new ArtifactStoreException("cannot stat " + storageKey + ": " + e.getMessage(), e);
    } catch (MinioException | IllegalStateException e) {
      throw new ArtifactStoreException("cannot stat " + storageKey + ": " + e.getMessage(), e);
    }
  }

  private static void checkKind(String kind) {
    if (kind == null || !KIND.matcher(kind).matches()) {
      throw new IllegalArgumentException("artifact kind must match " + KIND + ": " + kind);
    }
  }

  private static void checkKey(String storageKey) {
    if (storageKey == null || !KEY.matcher(storageKey).matches()) {
      throw new IllegalArgumentException("not an artifact key: " + storageKey);
    }
  }

  private static boolean isNotFound(ErrorResponseException e) {
    String code = e.errorResponse() == null ? null : e.errorResponse().code();
    return "NoSuchKey".equals(code) || "NoSuchObject".equals(code) || "NotFound".equals(code);
  }
}
