#!/usr/bin/env node
// The page library's public surface, checked in. For every entry point in
// package.json's `exports` that has types, API Extractor reads the emitted
// declarations (dist/types, from `npm run build`) and writes its report to
// api/<entry>.api.md.
//
//   node scripts/api-report.mjs          fail when a report differs from the
//                                        checked-in one (run by `npm test`)
//   node scripts/api-report.mjs --update accept the current surface (commit
//                                        the changed api/*.api.md files)
//   --strict-members                     also fail on undocumented members
//                                        (combines with either of the above)
//
// Besides the signatures it fails on malformed TSDoc and on an exported
// symbol without TSDoc. Undocumented members and types reachable from the
// surface but not exported (ae-undocumented, ae-forgotten-export) are
// written into the report as warnings, so they show in review; their count
// is printed. With --strict-members an undocumented member (an
// ae-undocumented warning) fails the run too, each one listed; off by
// default until every entry point's members are documented.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const root = fileURLToPath(new URL('..', import.meta.url));
const update = process.argv.includes('--update');
const strictMembers = process.argv.includes('--strict-members');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** `.` → netroll, `./worker` → netroll-worker, ... */
const reportName = (subpath) => (subpath === '.' ? pkg.name : `${pkg.name}-${subpath.slice(2).replaceAll('/', '-')}`);

const entries = Object.entries(pkg.exports).filter(([, target]) => typeof target === 'object' && target.types);
let failed = false;
for (const [subpath, target] of entries) {
  const dts = join(root, target.types);
  if (!existsSync(dts)) {
    console.error(`api-report: ${target.types} is missing; run \`npm run build\` first`);
    process.exit(1);
  }
  const name = reportName(subpath);
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: root,
      mainEntryPointFilePath: dts,
      bundledPackages: [],
      newlineKind: 'lf',
      compiler: {
        overrideTsconfig: {
          compilerOptions: {
            target: 'ES2022',
            module: 'ESNext',
            moduleResolution: 'Bundler',
            lib: ['ES2022', 'DOM', 'DOM.Iterable'],
            types: [],
            strict: true,
            skipLibCheck: true,
          },
          files: [dts],
        },
      },
      apiReport: {
        enabled: true,
        reportFolder: join(root, 'api'),
        reportTempFolder: join(root, 'dist', 'api-temp'),
        reportFileName: `${name}.api.md`,
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        compilerMessageReporting: { default: { logLevel: 'error' } },
        extractorMessageReporting: {
          // Everything API Extractor notices goes into the report, so review sees it.
          default: { logLevel: 'none', addToApiReportFile: true },
          'ae-missing-release-tag': { logLevel: 'none', addToApiReportFile: false },
        },
        tsdocMessageReporting: { default: { logLevel: 'none', addToApiReportFile: true } },
      },
    },
    configObjectFullPath: join(root, 'api', `${name}.api-extractor.json`),
    packageJsonFullPath: join(root, 'package.json'),
  });
  const result = Extractor.invoke(config, { localBuild: update, showVerboseMessages: false });
  const changed = result.apiReportChanged;
  // The report as generated now (api/ holds it after --update; dist/api-temp otherwise).
  const generated = readFileSync(join(root, update ? 'api' : join('dist', 'api-temp'), `${name}.api.md`), 'utf8');
  // An unindented "(undocumented)" marks a top-level declaration: an exported symbol without TSDoc.
  const undocumentedExports = [...generated.matchAll(/^\/\/ (?:@\w+ )?\(undocumented\)\n(?:\/\/.*\n)*export (?:declare )?(?:abstract )?(?:class|interface|type|function|const|let|namespace|enum) (\w+)/gm)].map((m) => m[1]);
  const gaps = (generated.match(/\(ae-undocumented\)/g) ?? []).length;
  const forgotten = (generated.match(/\(ae-forgotten-export\)/g) ?? []).length;
  if (gaps > 0 || forgotten > 0) console.log(`api-report: ${name}: ${gaps} undocumented members, ${forgotten} unexported types reachable from the surface (see api/${name}.api.md)`);
  if (strictMembers && gaps > 0) {
    failed = true;
    // "// dist/types/main/x.d.ts:12:5 - (ae-undocumented) Missing documentation for "name"." → `main/x.d.ts:12 name`
    const members = [...generated.matchAll(/^\s*\/\/ (?:dist\/types\/)?(\S+?):(\d+):\d+ - \(ae-undocumented\) Missing documentation for "([^"]+)"/gm)].map((m) => `${m[1]}:${m[2]} ${m[3]}`);
    console.error(`api-report: ${name}: members without TSDoc (--strict-members):\n  ${members.join('\n  ')}`);
  }
  if (undocumentedExports.length > 0) {
    failed = true;
    console.error(`api-report: ${name}: exported without TSDoc: ${undocumentedExports.join(', ')}`);
  }
  if (!result.succeeded || (changed && !update)) {
    failed = true;
    console.error(
      `api-report: ${subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`}: ` +
        (changed && !update
          ? `the public surface differs from api/${name}.api.md; review the change and run \`npm run api:update\``
          : `${result.errorCount} errors, ${result.warningCount} warnings`),
    );
  } else {
    console.log(`api-report: ${name}.api.md ${update && changed ? 'updated' : 'matches'}`);
  }
}
process.exit(failed ? 1 : 0);
