import { awscdk, DependencyType, javascript } from 'projen';

/**
 * Versions CI proves the library with. They are chosen together (see README "Versions"):
 * - aws-cdk-lib 2.257.0 still writes cloud-assembly schema 53, the newest integ-runner 2.197.x reads;
 * - cdk-nag 2.x is an Aspect and really checks on this aws-cdk-lib (3.x checks nothing before 2.258).
 * The peer range users see stays `^2.236.0` (the first release with ECS native blue/green).
 */
const CDK_MIN_VERSION = '2.236.0';
const CDK_DEV_VERSION = '2.257.0';
const GO_MOD_FLOORS = 'ts-node --project tsconfig.dev.json scripts/go-mod-floors.ts';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-ecs-cicd-pipeline',
  description:
    'Build once, promote the same image digest through every environment: CodePipeline V2 + CodeBuild + ECR scan gate + CodeDeploy blue/green on ECS Fargate, with approval before production.',
  author: 'cdk-ecs-cicd contributors',
  authorAddress: 'maintainers@cdk-ecs-cicd.dev',
  repositoryUrl: 'https://github.com/cdk-ecs-cicd/cdk-ecs-cicd-pipeline.git',
  license: 'Apache-2.0',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  stability: 'experimental',
  keywords: ['awscdk', 'cdk', 'ecs', 'fargate', 'codepipeline', 'codedeploy', 'blue-green', 'ci-cd'],

  cdkVersion: CDK_MIN_VERSION,
  constructsVersion: '10.0.5',
  jsiiVersion: '~6.0.0',
  // The dev copies of the peers are pinned below to the versions CI proves, not to the peer minimum.
  peerDependencyOptions: { pinnedDevDependency: false },
  devDeps: [
    `aws-cdk-lib@${CDK_DEV_VERSION}`,
    'cdk-nag@2.38.2',
    '@aws-cdk/integ-runner@2.197.10',
    '@aws-cdk/integ-tests-alpha@2.245.0-alpha.0',
    'aws-sdk-client-mock@^4.1.0',
    '@aws-sdk/client-codedeploy@^3',
    '@aws-sdk/client-ec2@^3',
    '@aws-sdk/client-ecs@^3',
    '@aws-sdk/client-ssm@^3',
    'esbuild@^0.25',
    'yaml@^2',
  ],

  // jsii targets: the bindings are generated offline by `package:codegen`; publishing happens elsewhere.
  publishToPypi: { distName: 'cdk-ecs-cicd-pipeline', module: 'cdk_ecs_cicd_pipeline' },
  publishToMaven: {
    javaPackage: 'io.github.cdkecscicd.pipeline',
    mavenGroupId: 'io.github.cdkecscicd',
    mavenArtifactId: 'cdk-ecs-cicd-pipeline',
  },
  publishToNuget: { dotNetNamespace: 'CdkEcsCiCd.Pipeline', packageId: 'CdkEcsCiCd.Pipeline' },
  publishToGo: { moduleName: 'github.com/cdk-ecs-cicd/cdk-ecs-cicd-pipeline-go' },

  docgen: true,
  // Handlers (`src/**/*.lambda.ts`) are bundled by projen with esbuild into assets.
  lambdaAutoDiscover: true,
  lambdaOptions: { runtime: awscdk.LambdaRuntime.NODEJS_22_X, bundlingOptions: { externals: ['@aws-sdk/*'] } },
  // integ-runner is wired by hand below so its version can be pinned with aws-cdk-lib's.
  integrationTestAutoDiscover: false,

  githubOptions: { mergify: false },
  gitignore: ['cdk.out/', '*.d.ts.map', '.jsii.tabl.json', 'validation-report.json', '/bench-results/', '.tmp/', '__pycache__/'],
  // The tarball holds the library only (test/package/tarball.test.ts lists it), with the examples'
  // tablet (.jsii.tabl.json, from the rosetta task) and their fixture (rosetta/): a jsii-rosetta that
  // cannot reuse the tablet compiles the examples again from the fixture (Construct Hub does this).
  npmIgnoreOptions: { ignorePatterns: ['/examples/', '/.ci/', '/bench/', '/scripts/', 'cdk.out/', '/test/', '/.tmp/'] },
  eslintOptions: { dirs: ['src'], devdirs: ['test', 'examples', 'bench', 'scripts'], tsconfigPath: './tsconfig.dev.json' },
  jestOptions: {
    // Snapshots are written on purpose (npx jest -u), never by a test run or CI.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testTimeout: 120_000,
      // test/package/ checks the built package (tarball, tablet, bindings): `npm run test:package`.
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/package/'],
      coveragePathIgnorePatterns: ['/node_modules/', '/test/'],
    },
  },
  tsconfigDevFile: 'tsconfig.dev.json',
  tsconfigDev: {
    include: ['examples/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', '.projenrc.ts', 'projenrc/**/*.ts'],
    // The compat consumer imports the packed library by name; scripts/compat/run.sh type-checks it there.
    exclude: ['scripts/compat/consumer/**'],
    compilerOptions: {},
  },
});

// The dev copy of constructs (projen drops it when the peer is set, npm then installs it only
// implicitly as aws-cdk-lib's peer).
project.deps.addDependency('constructs@10.5.1', DependencyType.BUILD);

// projen's lockfile pulls unrs-resolver 1.13.0, whose platform bindings were never published:
// `npm ci` then fails on a fresh machine (TOOLCHAIN.md, "Traps").
project.package.addField('overrides', { 'unrs-resolver': '1.12.2' });

// The handlers are bundled into assets/ (gitignored): tests and synth need them on a fresh clone.
const bundle = project.tasks.tryFind('bundle')!;
project.testTask.prependSpawn(bundle);

// README examples must compile in every language: rosetta runs strict (a broken snippet fails the build).
project.package.file.addOverride('jsii.metadata.jsii.rosetta.strict', true);

// The tablet (.jsii.tabl.json) ships in the tarball next to .jsii: jsii-docgen (Construct Hub) and
// jsii-pacmak reuse its translations (jsii-rosetta README, "Extract"). The second step puts the Python
// binding's names into it where jsii-rosetta's snake_case differs (memoryLimitMiB: see the script).
const rosetta = project.addTask('rosetta', {
  description: 'Compile every README example with jsii-rosetta (strict: a broken snippet fails the build) and fix Python names in the tablet',
  steps: [
    { exec: 'jsii-rosetta extract --strict .jsii' },
    { exec: 'ts-node --project tsconfig.dev.json scripts/rosetta-python-names.ts .jsii.tabl.json' },
  ],
});
project.postCompileTask.spawn(rosetta);

// Packaging: npm tarball plus the four language bindings as source (no PyPI/Maven/NuGet/Go here).
const codegen = project.addTask('package:codegen', {
  description: 'Generate Python, Java, .NET and Go bindings as source and byte-compile the Python',
  steps: [
    { exec: 'rm -rf dist/codegen' },
    { exec: 'jsii-pacmak --code-only --targets python,java,dotnet,go --outdir dist/codegen' },
    { exec: GO_MOD_FLOORS + ' dist/codegen/go' },
    { exec: 'python3 -m compileall -q dist/codegen/python' },
  ],
});
// The tarball always carries a tablet made from the .jsii it ships (about 5 s when nothing changed),
// even when package:js runs right after compile.
const packageJs = project.tasks.tryFind('package:js')!;
packageJs.prependSpawn(rosetta);
project.packageTask.reset();
project.packageTask.spawn(packageJs);
project.packageTask.spawn(codegen);
// Go: the same floors as every other language (see scripts/go-mod-floors.ts).
project.tasks.tryFind('package:go')!.exec(GO_MOD_FLOORS + ' dist/go');

// Checks of the built package, as a user or Construct Hub gets it: the tarball's file list, the
// tablet, and the Python translation of every example against the generated Python binding. They
// need the compiled assembly (.jsii, lib/), so they run after the build (.ci/run), not in `npm test`,
// which stays fast and passes on a fresh clone.
project.addTask('test:package', {
  description: 'Check the packed tarball and the Python translations of every example (run after the build)',
  receiveArgs: true,
  exec: 'jest --ci --coverage=false --reporters=default --testPathIgnorePatterns=/node_modules/ --testPathPatterns=test/package/ $@',
});

// Example app: synthesize without credentials and summarise it.
const example = project.addTask('example', {
  description: 'Synthesize examples/app.ts into cdk.out/ and print a summary',
  exec: 'ts-node --project tsconfig.dev.json examples/app.ts',
});
example.prependSpawn(bundle);

project.addTask('cfn-lint', {
  description: 'Synthesize the example app and the integ scenarios, run cfn-lint on every template (zero errors)',
  exec: 'bash scripts/cfn-lint-gate.sh',
});

project.addTask('integ', {
  description: 'Verify the committed integ-runner snapshots (no AWS credentials needed)',
  receiveArgs: true,
  exec: 'integ-runner --language typescript --directory test $@',
  env: { CDK_DISABLE_VERSION_CHECK: '1' },
});
project.addTask('integ:update', {
  description: 'Re-synthesize the integ scenarios and rewrite their snapshots (read the diff before committing)',
  receiveArgs: true,
  exec: 'integ-runner --language typescript --directory test --dry-run --update-on-failed --force $@',
  env: { CDK_DISABLE_VERSION_CHECK: '1' },
});

// Compatibility matrix: the packed library in throwaway consumer apps across the peer range and both
// cdk-nag lines (versions pinned in scripts/compat/versions.json; README, Versions).
// projen's own `compat` (jsii-diff against the published release) moves to `compat:api`.
const apiCompat = project.tasks.tryFind('compat')!;
project.removeTask('compat');
project.addTask('compat:api', { description: apiCompat.description, steps: [...apiCompat.steps] });
project.addTask('compat', {
  description: 'Pack the library and prove it in fresh consumer apps: aws-cdk-lib x cdk-nag matrix, cdk-nag, cfn-lint, tsc --strict',
  receiveArgs: true,
  exec: 'bash scripts/compat/run.sh $@',
});

const bench = project.addTask('bench', {
  description: 'Synthesize 1, 3 and 10 environments against a hand-wired baseline, and 1/3/10/20 with stackPerEnvironment; print the tables',
  exec: 'ts-node --project tsconfig.dev.json bench/bench.ts',
});
bench.exec('ts-node --project tsconfig.dev.json bench/stack-per-environment.ts');

// Lint src, test, examples and bench against tsconfig.dev.json. TypeScript's project service only
// discovers files named tsconfig.json, so it would not see test/ files through tsconfig.dev.json.
// The compat consumer imports the packed library by name: it is type-checked in its consumer app
// (`tsc --strict`, scripts/compat/run.sh), where that import resolves, not here.
project.eslint?.addIgnorePattern('scripts/compat/consumer/');
// One-way layers: no import cycles, and src/private/ holds leaf helpers that import nothing from
// the domain folders (blue-green, service, pipeline) or the composite.
project.eslint?.addRules({
  'import/no-cycle': ['error'],
  'import/no-restricted-paths': ['error', {
    zones: [{
      target: './src/private',
      from: ['./src/blue-green', './src/service', './src/pipeline', './src/ecs-cicd-pipeline.ts', './src/index.ts'],
      message: 'src/private/ holds leaf helpers: move domain logic to its domain folder instead',
    }],
  }],
});
const eslintrc = project.tryFindObjectFile('.eslintrc.json')!;
eslintrc.addDeletionOverride('parserOptions.projectService');
eslintrc.addOverride('parserOptions.project', './tsconfig.dev.json');

// integ-runner verifies templates; the bundled asset copies in the snapshots are build output.
// (Added after the construction so it comes after projen's '!/test/'.)
project.gitignore.exclude('/test/*.snapshot/asset.*', '/test/*.snapshot/cdk.out');

project.synth();
