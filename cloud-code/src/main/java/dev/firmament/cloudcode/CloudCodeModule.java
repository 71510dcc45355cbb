package dev.firmament.cloudcode;

import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.Import;
import com.dylibso.chicory.wasm.types.ValType;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A WebAssembly module checked to run as cloud code:
 *
 * <ul>
 *   <li>at most {@value #MAX_BYTES} bytes;
 *   <li>it imports only the host functions of the {@code firmament} module that {@link
 *       Capabilities} offers, with their exact signatures: nothing from WASI or anywhere else, no
 *       imported memory, table or global;
 *   <li>it exports its memory as {@code memory} (at most the pages the limits allow from the start)
 *       and {@code alloc(len) -> ptr}, where the host writes an event before a call;
 *   <li>every other exported function taking {@code (ptr, len)} and returning an {@code i32} is a
 *       handler that can be called with an event: 0 is success, anything else a failure.
 * </ul>
 */
public final class CloudCodeModule {
  public static final int MAX_BYTES = 1 << 20;
  static final String HOST_MODULE = "firmament";
  private static final List<ValType> I32X2 = List.of(ValType.I32, ValType.I32);
  private static final List<ValType> I32X4 =
      List.of(ValType.I32, ValType.I32, ValType.I32, ValType.I32);
  private static final List<ValType> I32 = List.of(ValType.I32);

  /** The host functions a module may import, by name. */
  static final Map<String, FunctionType> HOST_FUNCTIONS =
      Map.of(
          "log", FunctionType.of(I32X2, List.of()),
          "publish", FunctionType.of(I32X4, I32),
          "ledger_get", FunctionType.of(I32X4, I32),
          "ledger_set", FunctionType.of(I32X4, I32),
          "http_post",
              FunctionType.of(
                  List.of(
                      ValType.I32, ValType.I32, ValType.I32, ValType.I32, ValType.I32, ValType.I32),
                  I32),
          "call_function",
              FunctionType.of(
                  List.of(
                      ValType.I32,
                      ValType.I32,
                      ValType.I32,
                      ValType.I32,
                      ValType.I32,
                      ValType.I32,
                      ValType.I32),
                  I32));

  private static final FunctionType HANDLER = FunctionType.of(I32X2, I32);
  private static final FunctionType ALLOC = FunctionType.of(I32, I32);

  private final WasmModule module;
  private final Set<String> handlers;
  private final int initialPages;

  private CloudCodeModule(WasmModule module, Set<String> handlers, int initialPages) {
    this.module = module;
    this.handlers = handlers;
    this.initialPages = initialPages;
  }

  /**
   * Parses and checks a module.
   *
   * @param maxPages the memory pages (64 KiB each) a function may have at most
   * @throws CloudCodeException with what is wrong
   */
  public static CloudCodeModule load(byte[] wasm, int maxPages) {
    if (wasm == null || wasm.length == 0) {
      throw new CloudCodeException("the module is empty");
    }
    if (wasm.length > MAX_BYTES) {
      throw new CloudCodeException(
          "a module has at most " + MAX_BYTES + " bytes, this one " + wasm.length);
    }
    WasmModule module;
    try {
      module = Parser.parse(wasm);
    } catch (ChicoryException | IllegalArgumentException | IndexOutOfBoundsException e) {
      throw new CloudCodeException("not a WebAssembly module: " + e.getMessage(), e);
    }
    int importedFunctions = 0;
    for (int i = 0; i < module.importSection().importCount(); i++) {
      Import imported = module.importSection().getImport(i);
      String name = imported.module() + "." + imported.name();
      if (!(imported instanceof FunctionImport function)) {
        throw new CloudCodeException(
            "the module imports "
                + name
                + ", which is not a function; only firmament.* host"
                + " functions are offered");
      }
      FunctionType wanted = HOST_FUNCTIONS.get(imported.name());
      if (!imported.module().equals(HOST_MODULE) || wanted == null) {
        throw new CloudCodeException(
            "the module imports "
                + name
                + ", which cloud code does not offer (no file system, network or clock; the host"
                + " functions are firmament."
                + String.join(", firmament.", new TreeSet<>(HOST_FUNCTIONS.keySet()))
                + ")");
      }
      FunctionType type = module.typeSection().getType(function.typeIndex());
      if (!type.equals(wanted)) {
        throw new CloudCodeException(
            "the module imports " + name + " as " + type + "; it is " + wanted);
      }
      importedFunctions++;
    }
    if (module.memorySection().isEmpty() || module.memorySection().get().memoryCount() != 1) {
      throw new CloudCodeException("the module must have one memory, exported as memory");
    }
    int initialPages = module.memorySection().get().getMemory(0).limits().initialPages();
    if (initialPages > maxPages) {
      throw new CloudCodeException(
          "the module's memory starts at "
              + initialPages
              + " pages of 64 KiB; cloud code may use at most "
              + maxPages);
    }
    boolean memory = false;
    boolean alloc = false;
    Set<String> handlers = new TreeSet<>();
    for (int i = 0; i < module.exportSection().exportCount(); i++) {
      Export export = module.exportSection().getExport(i);
      if (export.exportType() == ExternalType.MEMORY) {
        memory |= export.name().equals("memory");
        continue;
      }
      if (export.exportType() != ExternalType.FUNCTION || export.index() < importedFunctions) {
        continue;
      }
      FunctionType type =
          module
              .functionSection()
              .getFunctionType(export.index() - importedFunctions, module.typeSection());
      if (export.name().equals("alloc")) {
        alloc = type.equals(ALLOC);
      } else if (type.equals(HANDLER)) {
        handlers.add(export.name());
      }
    }
    if (!memory) {
      throw new CloudCodeException("the module must export its memory as memory");
    }
    if (!alloc) {
      throw new CloudCodeException("the module must export alloc(len: i32) -> i32");
    }
    if (handlers.isEmpty()) {
      throw new CloudCodeException(
          "the module exports no handler: a function (ptr: i32, len: i32) -> i32");
    }
    return new CloudCodeModule(module, Set.copyOf(handlers), initialPages);
  }

  /** The functions that can be called with an event. */
  public Set<String> handlers() {
    return handlers;
  }

  WasmModule module() {
    return module;
  }

  int initialPages() {
    return initialPages;
  }
}
