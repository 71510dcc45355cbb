package dev.firmament.launcher;

import dev.firmament.api.audit.AuditChain;
import dev.firmament.api.audit.AuditExport;
import dev.firmament.cli.AuditCommand;
import dev.firmament.cli.Cli;
import dev.firmament.cli.CommandGroup;
import dev.firmament.cli.HelpOption;
import dev.firmament.manifest.SigningKeys;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The launcher's {@code firmament audit}: the slim CLI's {@code export} ({@link AuditCommand}) and
 * {@code verify FILE}, which checks an export offline with the API's own chain code ({@link
 * AuditChain}), so it lives here: exit 0 when intact, 6 naming the first bad entry otherwise, 2 for
 * a usage error or an unreadable file.
 */
@Command(
    name = "audit",
    description = "Export the organization's audit log, or verify an export.",
    subcommands = {AuditCommand.Export.class, AuditCommands.Verify.class})
final class AuditCommands extends CommandGroup {
  static final int OK = 0;
  static final int USAGE = 2;
  static final int BROKEN = 6;

  /** {@code firmament audit verify FILE}. */
  @Command(
      name = "verify",
      description =
          "Verify an audit export offline: its hash chain and, with --public-key, its signed"
              + " checkpoints (exit codes: 0 intact, 6 broken, naming the first bad entry).")
  static final class Verify implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The export, JSON lines.")
    String file;

    @Option(
        names = "--public-key",
        paramLabel = "BASE64",
        description = "The server's audit key, to check the checkpoints' signatures.")
    String publicKey;

    @Mixin HelpOption help;

    @Override
    public Integer call() {
      return verify(file, publicKey, Cli.of(spec).out(), Cli.of(spec).err());
    }
  }

  private static int verify(String file, String publicKey, PrintStream out, PrintStream err) {
    AuditExport.Parsed parsed;
    PublicKey key;
    try {
      parsed = AuditExport.parse(Files.readAllLines(Path.of(file), StandardCharsets.UTF_8));
      key = publicKey == null ? null : SigningKeys.publicKey(publicKey);
    } catch (IOException | IllegalArgumentException e) {
      err.println("firmament audit verify: " + e.getMessage());
      return USAGE;
    }
    AuditChain.Verification result = AuditChain.verify(parsed.entries(), parsed.checkpoints(), key);
    if (result.intact()) {
      out.printf(
          "intact: %d sealed entries, %d checkpoints%s%n",
          result.entries(),
          parsed.checkpoints().size(),
          key == null ? " (signatures not checked: no --public-key)" : ", signatures valid");
      return OK;
    }
    out.printf("broken at entry %d: %s%n", result.firstBadSeq(), result.reason());
    return BROKEN;
  }
}
