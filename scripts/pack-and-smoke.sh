#!/usr/bin/env bash
# What a new user does with the packages, on this machine, outside the repository:
#   1. packs Arbor (library) and Arbor.Cli (.NET tool) into a local folder, and checks the tool holds only linux-x64
#      native assets and stays under NuGet's 250 MB limit;
#   2. installs the tool into a temporary tool path and runs `arbor` from another directory (a hierarchy, then a short
#      training run, which loads libtorch through TorchSharp's wrapper);
#   3. creates a fresh console project that references the packed library, builds and runs it, then publishes and runs
#      the published app (the package's buildTransitive targets must make TorchSharp load in both).
# Usage: scripts/pack-and-smoke.sh [--keep]   (--keep leaves the temporary folder for inspection)
# Run by .ci/run after the test suite; takes a few minutes (packing publishes libtorch, the consumer restores it).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
keep=false
[[ ${1:-} == --keep ]] && keep=true

work=$(mktemp -d "${TMPDIR:-/tmp}/arbor-pack-smoke.XXXXXX")
if $keep; then echo "work folder: $work"; else trap 'rm -rf "$work"' EXIT; fi
step() { printf '\n== %s\n' "$*"; }
fail() { echo "pack-and-smoke: $*" >&2; exit 1; }

# A version no NuGet cache has seen, so nothing stale is restored; packages go to a private global-packages folder with
# the user's cache as a read-only fallback (TorchSharp and libtorch are not downloaded again).
version="0.0.0-smoke.$(date +%Y%m%d%H%M%S)"
feed="$work/feed"
export NUGET_PACKAGES="$work/packages"
user_cache="${HOME}/.nuget/packages"
cat > "$work/nuget.config" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="arbor-local" value="$feed" />
  </packageSources>
  <fallbackPackageFolders>
    <add key="user-cache" value="$user_cache" />
  </fallbackPackageFolders>
</configuration>
EOF

step "pack Arbor and Arbor.Cli $version into $feed"
for project in src/Arbor/Arbor.csproj src/Arbor.Cli/Arbor.Cli.csproj; do   # only these two: no tests or benchmarks built
    dotnet pack "$repo/$project" -c Release -o "$feed" -p:Version="$version" -nologo -v q
done
lib="$feed/Arbor.$version.nupkg"
tool="$feed/Arbor.Cli.$version.nupkg"
[[ -f $lib && -f $tool ]] || fail "expected $lib and $tool"
ls -l "$feed"

step "check the packages' contents"
tool_bytes=$(stat -c %s "$tool")
(( tool_bytes < 250 * 1024 * 1024 )) || fail "$tool is $((tool_bytes / 1024 / 1024)) MB, over NuGet's 250 MB limit"
echo "tool package: $((tool_bytes / 1024 / 1024)) MB"
tool_list=$(unzip -Z1 "$tool")
grep -q 'DotnetTool' <(unzip -p "$tool" '*.nuspec') || fail "$tool is not a .NET tool package"
if grep -E '/runtimes/' <<<"$tool_list" | grep -v '/runtimes/linux-x64/' | head -3 | grep -q .; then
    fail "$tool holds native assets of other platforms: $(grep -E '/runtimes/' <<<"$tool_list" | grep -v '/runtimes/linux-x64/' | head -3 | tr '\n' ' ')"
fi
grep -q 'runtimes/linux-x64/native/libtorch_cpu.so' <<<"$tool_list" || fail "$tool lacks libtorch for linux-x64"
lib_list=$(unzip -Z1 "$lib")
for f in buildTransitive/Arbor.targets buildTransitive/WeakenGlibcxxRequirement.cs README.md LICENSE lib/net10.0/Arbor.dll lib/net10.0/Arbor.xml; do
    grep -qx "$f" <<<"$lib_list" || fail "$lib lacks $f"
done
echo "library package: $(grep -c . <<<"$lib_list") files, including buildTransitive/Arbor.targets, Arbor.xml, README.md, LICENSE"

step "install the tool into a temporary tool path"
(cd "$work" && dotnet tool install Arbor.Cli --version "$version" --tool-path "$work/tools" --add-source "$feed")

step "run arbor from another directory"
mkdir -p "$work/elsewhere"
cd "$work/elsewhere"
"$work/tools/arbor" --version
"$work/tools/arbor" hierarchy show fashion-mnist | tee "$work/hierarchy.txt"
grep -q 'Ankle boot' "$work/hierarchy.txt" || fail "arbor hierarchy show fashion-mnist did not print the tree"
"$work/tools/arbor" train --method ce --dataset fashion-mnist --epochs 1 --train-limit 512 --out "$work/elsewhere/run"
[[ -f "$work/elsewhere/run/metrics.json" ]] || fail "the tool's training run wrote no metrics.json"

step "build and run a fresh console project against the packed library"
consumer="$work/consumer"
mkdir -p "$consumer"
cp "$work/nuget.config" "$consumer/"
cat > "$consumer/Consumer.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Arbor" Version="$version" />
  </ItemGroup>
</Project>
EOF
cp "$repo/scripts/smoke/Program.cs" "$consumer/Program.cs"
cd "$consumer"
dotnet build -c Release -nologo -v q
dotnet run -c Release --no-build -- "$work/consumer-run" | tee "$work/consumer.txt"
grep -q '^ok' "$work/consumer.txt" || fail "the consumer did not finish"

step "publish the console project and run the published app"
dotnet publish -c Release -o "$work/published" -nologo -v q
(cd "$work/elsewhere" && dotnet "$work/published/Consumer.dll" "$work/consumer-run-published") | tee "$work/published.txt"
grep -q '^ok' "$work/published.txt" || fail "the published consumer did not finish"

step "pack-and-smoke: ok ($version)"
