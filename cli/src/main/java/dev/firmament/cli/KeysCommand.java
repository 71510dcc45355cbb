package dev.firmament.cli;

import dev.firmament.manifest.SigningKeys;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code firmament keys generate [--dir DIR]} makes the keys a production deployment needs and the
 * dev server makes for itself: the release signing key pair (Ed25519, base64 PKCS#8 and X.509, as
 * {@link SigningKeys}) that the delta role signs builds with, the master key request-signing keys
 * are derived from, and the key webhook secrets are derived from and their custom headers are
 * encrypted with (each 32 random bytes, base64). Each file is created owner-only (0600) and never
 * overwritten: a second run that would replace a key devices already trust fails instead.
 *
 * <p>Exit codes: 0 written, 1 a file exists or cannot be written, 2 usage error.
 */
@Command(
    name = "keys",
    aliases = "key",
    description = "Generate the keys a production deployment needs.",
    subcommands = KeysCommand.Generate.class)
public final class KeysCommand extends CommandGroup {
  public static final int OK = 0;
  public static final int FAILURE = 1;
  public static final int USAGE = 2;

  public static final String PRIVATE_KEY_FILE = "release-signing-private.b64";
  public static final String PUBLIC_KEY_FILE = "release-signing-public.b64";
  public static final String REQUEST_SIGNING_KEY_FILE = "request-signing.key";
  public static final String WEBHOOKS_KEY_FILE = "webhooks.key";

  /** {@code firmament keys generate}. */
  @Command(
      name = "generate",
      description =
          "Generate the release signing key pair and the request-signing master key for a"
              + " production deployment, as owner-only files in DIR; never overwrites a key."
              + " Prints the settings and Secret names that use them (exit codes: 0 written,"
              + " 1 a file exists or cannot be written, 2 usage).")
  static final class Generate implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--dir",
        paramLabel = "DIR",
        defaultValue = "firmament-keys",
        description = "Where to write the keys (default ${DEFAULT-VALUE}).")
    Path dir;

    @Option(
        names = "--json",
        description =
            "Print the files written and the public key as JSON (never a secret's contents).")
    boolean json;

    @Mixin HelpOption help;

    @Override
    public Integer call() {
      return generate(dir, Cli.of(spec).out(), Cli.of(spec).err(), json);
    }
  }

  public static int generate(Path dir, PrintStream out, PrintStream err) {
    return generate(dir, out, err, false);
  }

  /** As {@link #generate(Path, PrintStream, PrintStream)}, reporting as JSON when asked. */
  public static int generate(Path dir, PrintStream out, PrintStream err, boolean json) {
    List<Path> files =
        List.of(
            dir.resolve(PRIVATE_KEY_FILE),
            dir.resolve(PUBLIC_KEY_FILE),
            dir.resolve(REQUEST_SIGNING_KEY_FILE),
            dir.resolve(WEBHOOKS_KEY_FILE));
    for (Path file : files) {
      if (Files.exists(file)) {
        err.println("firmament keys: " + file + " exists; refusing to overwrite a key");
        return FAILURE;
      }
    }
    SigningKeys release = SigningKeys.generate();
    byte[] master = new byte[32];
    new SecureRandom().nextBytes(master);
    byte[] webhooks = new byte[32];
    new SecureRandom().nextBytes(webhooks);
    try {
      createOwnerOnlyDirectory(dir);
      writeOwnerOnly(files.get(0), release.privateKeyBase64());
      writeOwnerOnly(files.get(1), release.publicKeyBase64());
      writeOwnerOnly(files.get(2), Base64.getEncoder().encodeToString(master));
      writeOwnerOnly(files.get(3), Base64.getEncoder().encodeToString(webhooks));
    } catch (FileAlreadyExistsException e) {
      err.println("firmament keys: " + e.getFile() + " exists; refusing to overwrite a key");
      return FAILURE;
    } catch (IOException e) {
      err.println("firmament keys: cannot write the keys in " + dir + ": " + e);
      return FAILURE;
    }
    if (json) {
      com.fasterxml.jackson.databind.node.ObjectNode report = JsonOutput.JSON.createObjectNode();
      report.put("dir", dir.toString());
      com.fasterxml.jackson.databind.node.ObjectNode written = report.putObject("files");
      written.put("releaseSigningPrivateKey", files.get(0).toString());
      written.put("releaseSigningPublicKey", files.get(1).toString());
      written.put("requestSigningKey", files.get(2).toString());
      written.put("webhooksKey", files.get(3).toString());
      report.put("publicKey", release.publicKeyBase64());
      JsonOutput.print(out, report);
    } else {
      out.print(howToUse(dir, release.publicKeyBase64()));
    }
    return OK;
  }

  private static void createOwnerOnlyDirectory(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    try {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: the parent directory's own permissions protect the keys.
      Files.createDirectories(dir);
    }
  }

  /** Creates the file with mode 0600 before anything is written to it; fails if it exists. */
  private static void writeOwnerOnly(Path file, String value) throws IOException {
    try {
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(file);
    }
    Files.writeString(
        file, value + "\n", StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
  }

  public static String howToUse(Path dir, String publicKey) {
    String d = dir.toString();
    return """
        wrote %1$s/%2$s  (release signing key, Ed25519 PKCS#8, base64; keep it secret)
        wrote %1$s/%3$s  (its public key, X.509, base64)
        wrote %1$s/%4$s  (request-signing master key, 32 bytes, base64; keep it secret)
        wrote %1$s/%6$s  (webhooks key, 32 bytes, base64; keep it secret)
        all files are owner-only (0600); move them into your secret store and delete them here.

        Roles that sign (delta, workers, all) read the key pair from files:
          FIRMAMENT_SIGNING_PRIVATEKEYFILE=/etc/firmament/signing/%2$s
          FIRMAMENT_SIGNING_PUBLICKEYFILE=/etc/firmament/signing/%3$s
        The api role reads the master key and the webhooks key inline:
          FIRMAMENT_SECURITY_REQUESTSIGNINGKEY=<contents of %4$s>
          FIRMAMENT_WEBHOOKS_SECRETKEY=<contents of %6$s>

        Kubernetes (deploy/kubernetes mounts the Secret firmament-signing at /etc/firmament/signing
        and reads firmament-request-signing and firmament-webhooks into the API):
          kubectl -n firmament create secret generic firmament-signing \\
            --from-file=%1$s/%2$s --from-file=%1$s/%3$s
          kubectl -n firmament create secret generic firmament-request-signing \\
            --from-file=%1$s/%4$s
          kubectl -n firmament create secret generic firmament-webhooks \\
            --from-file=%1$s/%6$s

        Docker Compose (deploy/compose reads the files as secrets from FIRMAMENT_KEYS_DIR):
          FIRMAMENT_KEYS_DIR=%1$s, FIRMAMENT_SECURITY_REQUESTSIGNINGKEY=<contents of %4$s>
          and FIRMAMENT_WEBHOOKS_SECRETKEY=<contents of %6$s> in deploy/compose/.env; the server runs as uid 10001, so: sudo chown 10001 %1$s/*.b64

        Devices verify firmware signatures with the public key:
          %5$s
        """
        .formatted(
            d,
            PRIVATE_KEY_FILE,
            PUBLIC_KEY_FILE,
            REQUEST_SIGNING_KEY_FILE,
            publicKey,
            WEBHOOKS_KEY_FILE);
  }
}
