import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './packed';

/** The bindings `npm run build` generated as source (the package:codegen task). */
const CODEGEN = path.join(ROOT, 'dist', 'codegen');

function read(...parts: string[]): string {
  const file = path.join(CODEGEN, ...parts);
  if (!fs.existsSync(file)) {
    throw new Error(`${path.relative(ROOT, file)} is missing: build the project first (npm run build)`);
  }
  return fs.readFileSync(file, 'utf-8');
}

/** The one entry of a generated directory whose name ends with `suffix`. */
function only(dir: string, suffix: string): string {
  const found = fs.readdirSync(path.join(CODEGEN, dir)).filter((f) => f.endsWith(suffix));
  expect(found).toHaveLength(1);
  return found[0];
}

/** The lowest version each peer dependency allows, from package.json (`^2.236.0` -> `2.236.0`). */
function floor(name: string): string {
  const range: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf-8')).peerDependencies[name];
  const m = /^\^(\d+\.\d+\.\d+)$/.exec(range);
  if (!m) throw new Error(`peer range of ${name} is ${range}; this test expects ^x.y.z`);
  return m[1];
}

describe('every language binding allows the same aws-cdk-lib and constructs as the npm package', () => {
  const cdk = floor('aws-cdk-lib');
  const constructs = floor('constructs');

  test('Go: go.mod requires the floors (pacmak alone would require the dev copy, e.g. v2.257.0)', () => {
    const goMod = read('go', 'cdkecscicdpipeline', 'go.mod');
    expect(goMod).toContain(`github.com/aws/aws-cdk-go/awscdk/v2 v${cdk}\n`);
    expect(goMod).toContain(`github.com/aws/constructs-go/constructs/v10 v${constructs}\n`);
    // one requirement per module, no indirect pins from the dev copy's dependency graph
    expect(goMod.match(/aws-cdk-go\/awscdk/g)).toHaveLength(1);
    expect(goMod).not.toContain('// indirect');
  });

  test('Python: setup.py', () => {
    const setup = read('python', 'setup.py');
    expect(setup).toContain(`"aws-cdk-lib>=${cdk}, <3.0.0"`);
    expect(setup).toContain(`"constructs>=${constructs}, <11.0.0"`);
  });

  test('Java: pom.xml', () => {
    const pom = read('java', 'pom.xml');
    expect(pom).toContain(`<version>[${cdk},3.0.0)</version>`);
    expect(pom).toContain(`<version>[${constructs},11.0.0)</version>`);
  });

  test('.NET: the project file', () => {
    const project = only('dotnet', '.Pipeline'); // dist/codegen/dotnet/CdkEcsCiCd.Pipeline/
    const csproj = read('dotnet', project, only(path.join('dotnet', project), '.csproj'));
    expect(csproj).toContain(`Include="Amazon.CDK.Lib" Version="[${cdk},3.0.0)"`);
    expect(csproj).toContain(`Include="Constructs" Version="[${constructs},11.0.0)"`);
  });
});
