// wat2wasm DIR_IN DIR_OUT: every DIR_IN/*.wat to DIR_OUT/*.wasm, with wabt's JavaScript build.
const fs = require("fs");
const path = require("path");
const [input, output] = process.argv.slice(2);
require("wabt")().then((wabt) => {
  fs.mkdirSync(output, { recursive: true });
  for (const file of fs.readdirSync(input).filter((f) => f.endsWith(".wat")).sort()) {
    const module = wabt.parseWat(file, fs.readFileSync(path.join(input, file), "utf8"));
    const { buffer } = module.toBinary({});
    fs.writeFileSync(path.join(output, file.replace(/\.wat$/, ".wasm")), Buffer.from(buffer));
    module.destroy();
    process.stdout.write(file + "\n");
  }
});
