/**
 * Builds @devpulse/client: `npm run build -w @devpulse/client` (and `npm pack`, through prepack).
 *
 * - dist/index.js: esbuild bundles the entry (src/client and the isomorphic src/lib code it uses)
 *   into one ES module. Packages stay imports, and each must be one of the package's dependencies:
 *   no Next.js, drizzle or server code at run time.
 * - dist/index.d.ts: TypeScript writes the declarations of the entry's whole module graph (in
 *   memory) and rollup-plugin-dts bundles them into one self-contained file. The router's type
 *   (`AppRouter`) reaches deep into the server's declarations; they are inlined, so a consumer
 *   needs no `~/server/...`, only the packages the file imports, which must again be dependencies.
 *
 * `--stage DIR` writes a complete package folder (package.json, README.md, dist/) to DIR instead of
 * dist/ here, so runs that may overlap (the two test passes) never share an output folder.
 */
import { copyFile, mkdir, rm, writeFile } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import * as esbuild from "esbuild";
import { rollup, type Plugin } from "rollup";
import { dts } from "rollup-plugin-dts";
import ts from "typescript";

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = resolve(packageDir, "../..");
const entry = join(packageDir, "src/index.ts");
const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  peerDependencies?: Record<string, string>;
};
const shippedPackages = new Set([...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies ?? {})]);

/**
 * Modules that the router's declarations reach but only the server uses, each replaced by opaque
 * types: the request context carries the database handle (drizzle, and through it the whole
 * schema); the email catalog behind `EmailTemplateId` holds React components; the provider
 * registries behind `CalendarProviderId` take the server's configuration. A client never touches
 * any of them, and its project has none of those packages. Keys are modules as imported (a package) or
 * as paths from the repository root; every name the declarations import from one must be listed.
 */
const SERVER_ONLY_MODULES: Record<string, { what: string; types: string[]; namespaces?: Record<string, string[]> }> = {
  "src/server/db/client": { what: "the server's database handle", types: ["Db", "Tx", "DbOrTx"] },
  "src/server/env": { what: "the server's configuration", types: ["Env", "EmailProviderId"] },
  react: { what: "React, which renders the server's email", types: ["ReactElement", "ReactNode"], namespaces: { JSX: ["Element"] } },
  "trpc-to-openapi": { what: "the REST routes' metadata on each procedure (read by the server's OpenAPI document)", types: ["OpenApiMeta"] },
};

function serverOnlyDeclarations(module: string): string | null {
  const stub = SERVER_ONLY_MODULES[module];
  if (!stub) return null;
  const opaque = (name: string) => `type ${name} = { readonly [serverOnly]: ${JSON.stringify(name)} };`;
  return [
    `/** Server-only: ${stub.what}. Part of the server's types, never used by a client. */`,
    "declare const serverOnly: unique symbol;",
    ...stub.types.map((name) => `export ${opaque(name)}`),
    ...Object.entries(stub.namespaces ?? {}).map(([space, names]) => `export declare namespace ${space} { ${names.map(opaque).join(" ")} }`),
  ].join("\n");
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageNameOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

function isBuiltin(specifier: string): boolean {
  return specifier.startsWith("node:") || builtinModules.includes(specifier);
}

/** Fails the build on any import of a package the installed client would not have. */
function checkImports(file: string, imports: Iterable<string>) {
  const foreign = [...new Set(imports)].filter((specifier) => !isBuiltin(specifier) && !shippedPackages.has(packageNameOf(specifier)));
  if (foreign.length > 0) {
    throw new Error(`${file} imports ${foreign.join(", ")}, which the package does not depend on: make it a dependency, or keep it out of the client`);
  }
}

async function buildJavaScript(distDir: string) {
  const result = await esbuild.build({
    entryPoints: [entry],
    outfile: join(distDir, "index.js"),
    bundle: true,
    format: "esm",
    // Node, Electron and browsers: Node's own modules are loaded lazily, only by the file store.
    platform: "neutral",
    target: "es2022",
    packages: "external",
    external: ["node:*"],
    tsconfig: join(repoRoot, "tsconfig.json"),
    legalComments: "none",
    metafile: true,
    logLevel: "warning",
  });
  const serverInputs = Object.keys(result.metafile.inputs).filter((input) => /^(src\/(server|app)|node_modules)\//.test(input));
  if (serverInputs.length > 0) throw new Error(`dist/index.js would bundle server code: ${serverInputs.join(", ")}`);
  const output = Object.values(result.metafile.outputs)[0]!;
  checkImports("dist/index.js", output.imports.map((item) => item.path));
}

/** The declarations of every module the entry reaches, by file name, and the problems TypeScript found writing them. */
function emitDeclarations() {
  const config = ts.getParsedCommandLineOfConfigFile(join(repoRoot, "tsconfig.json"), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
    },
  });
  if (!config) throw new Error("cannot read tsconfig.json");
  const program = ts.createProgram([entry], {
    ...config.options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    // The repository's type check (`tsc --noEmit`) checks these files; emitting needs only the inferred types.
    noCheck: true,
    incremental: false,
    declarationMap: false,
    // Each declaration is named after its source (src/x.ts → src/x.d.ts); nothing is written to disk.
    rootDir: repoRoot,
    declarationDir: repoRoot,
  });
  const declarations = new Map<string, string>();
  const { diagnostics } = program.emit(undefined, (fileName, text) => declarations.set(resolve(fileName), text), undefined, true);
  return { declarations, diagnostics: diagnostics.filter((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error) };
}

/**
 * The bundle must type-check by itself (library checks on, as a strict consumer would run them): a
 * lost import or a mismatched stand-in would otherwise reach consumers as a silent `any`. It is
 * checked from inside this package, so its imports resolve to the repository's installed packages.
 */
function checkDeclarationBundle(code: string) {
  const file = join(packageDir, "dist-check/index.d.ts");
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? code : readFile.call(host, name));
  host.getSourceFile = (name, language, ...rest) =>
    name === file ? ts.createSourceFile(name, code, language, true) : getSourceFile.call(host, name, language, ...rest);
  const program = ts.createProgram({ rootNames: [file], options, host });
  const source = program.getSourceFile(file)!;
  const problems = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
  if (problems.length > 0) throw new Error(`dist/index.d.ts does not type-check:\n${formatDiagnostics(problems)}`);
}

function formatDiagnostics(diagnostics: readonly ts.Diagnostic[]): string {
  return ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (name) => name, getCurrentDirectory: () => repoRoot, getNewLine: () => "\n" });
}

async function buildDeclarations(distDir: string) {
  const { declarations, diagnostics } = emitDeclarations();
  const stubPrefix = "\0server-only:";
  const stubFor = (module: string) => (SERVER_ONLY_MODULES[module] ? `${stubPrefix}${module}.d.ts` : null);

  const inMemory: Plugin = {
    name: "devpulse-declarations",
    resolveId(source, importer) {
      if (!importer) return source;
      let base: string;
      if (source.startsWith("~/")) base = join(repoRoot, "src", source.slice(2));
      else if (source.startsWith(".")) base = resolve(dirname(importer), source);
      else return stubFor(source) ?? { id: source, external: true };
      for (const candidate of [`${base}.d.ts`, join(base, "index.d.ts"), base.replace(/\.js$/, ".d.ts")]) {
        if (declarations.has(candidate) || existsSync(candidate)) return stubFor(relative(repoRoot, candidate).replace(/(\/index)?\.d\.ts$/, "")) ?? candidate;
      }
      return this.error(`cannot resolve the declarations of "${source}" (imported by ${importer})`);
    },
    load(id) {
      if (id.startsWith(stubPrefix)) return serverOnlyDeclarations(id.slice(stubPrefix.length, -".d.ts".length));
      return declarations.get(id) ?? (existsSync(id) ? readFileSync(id, "utf8") : null);
    },
  };

  // A name a stand-in lacks is an error (rollup reports it as one for a named import, and only
  // warns for a namespace member such as `React.JSX`).
  type MissingExport = { code?: string; exporter?: string; binding?: string; id?: string };
  const failOnStandInGap = (log: MissingExport) => {
    if (log.code !== "MISSING_EXPORT" || !log.exporter?.startsWith(stubPrefix)) return;
    const module = log.exporter.slice(stubPrefix.length, -".d.ts".length);
    throw new Error(`${log.id} uses ${log.binding} from ${module}: list it in SERVER_ONLY_MODULES["${module}"] (scripts/build.ts)`);
  };
  // The input is the entry's declaration (a .d.ts), so the plugin bundles declarations and compiles nothing itself.
  const bundle = await rollup({
    input: entry.replace(/\.ts$/, ".d.ts"),
    plugins: [inMemory, dts({ respectExternal: true })],
    onLog(level, log, handler) {
      failOnStandInGap(log);
      handler(level, log);
    },
  }).catch((error: MissingExport) => {
    failOnStandInGap(error);
    throw error;
  });
  const { output } = await bundle.generate({ format: "es" });
  await bundle.close();
  const chunk = output[0];
  checkImports("dist/index.d.ts", chunk.imports);
  // A declaration TypeScript could not write faithfully (TS2742, …) matters only if it is in the bundle.
  const bundled = (file: string) => (chunk.modules[resolve(file).replace(/\.tsx?$/, ".d.ts")]?.renderedLength ?? 0) > 0;
  const problems = diagnostics.filter((diagnostic) => diagnostic.file && bundled(diagnostic.file.fileName));
  if (problems.length > 0) throw new Error(`TypeScript could not write declarations that dist/index.d.ts needs:\n${formatDiagnostics(problems)}`);
  checkDeclarationBundle(chunk.code);
  await writeFile(join(distDir, "index.d.ts"), chunk.code);
}

const { values } = parseArgs({ options: { stage: { type: "string" } } });
const outDir = values.stage ? resolve(values.stage) : packageDir;
const distDir = join(outDir, "dist");
await rm(distDir, { recursive: true, force: true });
await mkdir(distDir, { recursive: true });
if (outDir !== packageDir) {
  await copyFile(join(packageDir, "package.json"), join(outDir, "package.json"));
  await copyFile(join(packageDir, "README.md"), join(outDir, "README.md"));
}
await Promise.all([buildJavaScript(distDir), buildDeclarations(distDir)]);
