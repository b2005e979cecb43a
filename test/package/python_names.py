"""Compares the names used in Python examples with the generated Python binding.

Usage: python3 python_names.py <binding __init__.py> < snippets.json > report.json

snippets.json is a list of {"where": str, "source": str}. The binding is read with `ast` (it is
not imported: that would need the jsii runtime and aws-cdk-lib for Python). For each snippet:
- every name imported from the binding's module must be a class of the binding;
- a call on a class of the binding (`EcsCiCdPipeline(...)`, `EnvironmentOptions(...)`,
  `PipelineSource.connection(...)`) may only use keywords of that class's `__init__` or method;
- an attribute of a class of the binding (`TrafficShifting.canary`) must be a member of it.
Other keywords and lowercase attribute names (on aws-cdk-lib classes, on variables) are reported
under "external" so the caller can check them against the names of the dependencies' bindings.
"""
import ast
import json
import sys


def read_binding(path):
    classes = {}
    for node in ast.parse(open(path, encoding="utf-8").read()).body:
        if not isinstance(node, ast.ClassDef) or node.name.startswith("_"):
            continue
        info = {"init": None, "methods": {}, "members": set()}
        for item in node.body:
            if isinstance(item, ast.Assign):  # enum members and constants
                info["members"].update(t.id for t in item.targets if isinstance(t, ast.Name))
            if not isinstance(item, ast.FunctionDef):
                continue
            args = item.args
            params = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs} - {"self", "cls"}
            if item.name == "__init__":
                info["init"] = params
            elif not item.name.startswith("_"):
                info["methods"].setdefault(item.name, set()).update(params)
                info["members"].add(item.name)
        classes[node.name] = info
    return classes


def dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return list(reversed(parts))
    return None


def check(snippet, module, classes):
    problems, external, used = [], [], 0
    where = snippet["where"]
    try:
        tree = ast.parse(snippet["source"])
    except SyntaxError as e:
        return [f"{where}: not valid Python ({e})"], [], 0
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == module:
            for alias in node.names:
                used += 1
                if alias.name not in classes:
                    problems.append(f"{where}: `{alias.name}` is not in {module}")
        elif isinstance(node, ast.Call):
            callee = dotted(node.func)
            keywords = [k.arg for k in node.keywords if k.arg]
            used += len(keywords)
            if callee and callee[0] in classes and len(callee) <= 2:
                cls = classes[callee[0]]
                if len(callee) == 1:
                    allowed, what = cls["init"] or set(), callee[0]
                else:
                    allowed, what = cls["methods"].get(callee[1]), ".".join(callee)
                    if allowed is None:
                        problems.append(f"{where}: `{what}` is not in {module}")
                        continue
                for kw in keywords:
                    if kw not in allowed:
                        problems.append(f"{where}: `{what}` has no keyword `{kw}` (it has: {', '.join(sorted(allowed))})")
            else:
                name = ".".join(callee) if callee else "<expression>"
                external.extend({"where": where, "name": kw, "context": f"{name}({kw}=...)"} for kw in keywords)
        elif isinstance(node, ast.Attribute):
            base = dotted(node.value)
            if base and len(base) == 1 and base[0] in classes:
                used += 1
                if node.attr not in classes[base[0]]["members"]:
                    problems.append(f"{where}: `{base[0]}.{node.attr}` is not in {module}")
            elif node.attr[:1].islower():
                used += 1
                name = ".".join(base) if base else "<expression>"
                external.append({"where": where, "name": node.attr, "context": f"{name}.{node.attr}"})
    return problems, external, used


def main():
    binding, module = sys.argv[1], sys.argv[2]
    classes = read_binding(binding)
    report = {"classes": len(classes), "problems": [], "external": [], "namesChecked": 0}
    for snippet in json.load(sys.stdin):
        problems, external, used = check(snippet, module, classes)
        report["problems"].extend(problems)
        report["external"].extend(external)
        report["namesChecked"] += used
    json.dump(report, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
