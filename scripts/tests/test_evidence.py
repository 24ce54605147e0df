"""Tests of scripts/evidence.sh and scripts/evidence-table.py: the queue's order, the ledger, resuming an interrupted
cell, the tables' arithmetic and the document sync. The training is a stand-in (ARBOR_EVIDENCE_CLI) that writes the
metrics a run would, computed from its method and seed, so every number in the tables is known here.

    python3 -m unittest discover -s scripts/tests        (the xunit suite runs this too: EvidenceScriptTests)
"""
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EVIDENCE = os.path.join(ROOT, "scripts", "evidence.sh")
TABLE = os.path.join(ROOT, "scripts", "evidence-table.py")

# The stand-in for `arbor train`: records its arguments, fails when its method is in STUB_FAIL, and otherwise writes
# metrics.json (finest level 0.90 + 0.01·seed for hmlc; g-hmlc 0.4 + 0.2·seed points above; supcon 1 point below),
# metrics.csv (the per-epoch validation) and a masks.json for g-hmlc.
STUB = textwrap.dedent('''\
    #!/usr/bin/env python3
    import json, os, sys
    args = sys.argv[1:]
    if args[:2] == ["data", "info"]:   # where the data comes from, as `arbor data info` says it
        print("dataset: " + args[2])
        print("source: " + os.environ.get("STUB_SOURCE", "fashion-mnist from /usr/share/datasets/fashion-mnist: 60000 images"))
        sys.exit(0)
    out = args[args.index("--out") + 1]
    method, seed = args[args.index("-m") + 1], int(args[args.index("--seed") + 1])
    if method in os.environ.get("STUB_FAIL", "").split():
        print("error: stand-in failure", file=sys.stderr)
        sys.exit(1)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "argv.json"), "w") as f:
        json.dump(args, f)
    leaf = 0.90 + 0.01 * seed + {"hmlc": 0, "g-hmlc": 0.004 + 0.002 * seed, "supcon": -0.01}.get(method, 0)
    metrics = {"levels": [{"name": "group", "top1": 0.99}, {"name": "item", "top1": round(leaf, 6)}],
               "full_path": round(leaf - 0.005, 6), "consistency": 0.99, "mistake_severity": 1.5}
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(metrics, f)
    with open(os.path.join(out, "metrics.csv"), "w") as f:   # validation top-1 of the finest level 0.80 + 0.05 * epoch
        f.write("epoch,loss,lr,seconds,val_top1_group,val_top1_item\\n")
        for e in range(1, int(args[args.index("--epochs") + 1]) + 1):
            f.write(f"{e},1.0,0.1,1.5,0.99,{0.80 + 0.05 * e:.2f}\\n")
    if method == "g-hmlc":
        with open(os.path.join(out, "masks.json"), "w") as f:
            json.dump({"kind": "hard", "unused_dims": 0, "overlap": [[1, 0], [0, 1]],
                       "levels": [{"name": "group", "dims_above_half": 40 + seed}, {"name": "item", "dims_above_half": 88 - seed}]}, f)
''')


class EvidenceScripts(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.ledger = os.path.join(self.tmp.name, "ledger")
        self.out = os.path.join(self.tmp.name, "runs")
        self.stub = os.path.join(self.tmp.name, "arbor-stub")
        with open(self.stub, "w") as f:
            f.write(STUB)
        os.chmod(self.stub, 0o755)

    def evidence(self, *args, fail="", **stub_env):
        env = dict(os.environ, ARBOR_EVIDENCE_CLI=self.stub, STUB_FAIL=fail, **stub_env)
        return subprocess.run(["bash", EVIDENCE, "--ledger", self.ledger, "--out", self.out, *args],
                              capture_output=True, text=True, env=env, timeout=120)

    def entry(self, budget, row, seed):
        with open(os.path.join(self.ledger, budget, row, f"seed{seed}.json")) as f:
            return json.load(f)

    def test_queue_is_tiered_seed_major_and_skips_cells_in_the_ledger(self):
        done = os.path.join(self.ledger, "full", "hmlc")
        os.makedirs(done)
        with open(os.path.join(done, "seed0.json"), "w") as f:
            json.dump({"seed": 0}, f)
        r = self.evidence("--budget", "full", "--seeds", "0 1", "--only", "@(hmlc|g-hmlc|supcon|ce)",
                          "--first", "*hmlc", "--first", "ce", "--list")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.split("\n")[:-1], [
            "full g-hmlc seed 0", "full hmlc seed 1", "full g-hmlc seed 1",
            "full ce seed 0", "full ce seed 1", "full supcon seed 0", "full supcon seed 1"])

    def test_cells_are_recorded_with_their_command_and_the_paired_table_is_right(self):
        r = self.evidence("--budget", "quick", "--seeds", "0 1 2", "--only", "@(hmlc|g-hmlc|supcon)", "--jobs", "2")
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        e = self.entry("quick", "g-hmlc", 2)
        self.assertEqual((e["row"], e["method"], e["seed"], e["epochs"], e["train_limit"]), ("g-hmlc", "g-hmlc", 2, 2, 2000))
        self.assertIn("train -m g-hmlc -d fashion-mnist --train-limit 2000 --epochs 2 --probe-epochs 10 --seed 2 "
                      "--threads 1 --decoding independent --out", e["command"])
        self.assertEqual(e["metrics"]["levels"][1]["top1"], 0.928)
        self.assertRegex(e["cpu"], r"^.+ \(.+\)$")   # the machine's model and vector units: "AMD EPYC (avx2)"
        self.assertTrue(os.path.isfile(os.path.join(self.ledger, "quick", "g-hmlc", "seed2.masks.json")))
        table = r.stdout
        # hmlc's finest level over seeds: 90, 91, 92 -> 91.00 ± 1.00; g-hmlc's paired differences 0.4, 0.6, 0.8 points:
        # mean 0.60, std 0.20, 95 % interval 0.60 ± 4.303 · 0.20 / √3 = [+0.10, +1.10]; supcon is 1 point below on all.
        self.assertIn("| hmlc | 3 | 99.00 ± 0.00 | 91.00 ± 1.00 |", table)
        self.assertIn("| g-hmlc | 3 | +0.60 ± 0.20 | [+0.10, +1.10] | 3 of 3 | +0.60 ± 0.20 | [+0.10, +1.10] | 3 of 3 |", table)
        self.assertIn("| supcon | 3 | -1.00 ± 0.00 | [-1.00, -1.00] | 0 of 3 |", table)
        self.assertRegex(table, r"\n- .+ \(.*\): supcon seeds 0, 1, 2; hmlc seeds 0, 1, 2; g-hmlc seeds 0, 1, 2\n")
        self.assertIn("| g-hmlc | 3 | hard | 41.0 ± 1.0 | 87.0 ± 1.0 | 0.0 ± 0.0 | 0.00 ± 0.00 |", table)
        self.assertEqual(e["validation"], {"level": "item", "top1": [0.85, 0.9]})
        self.assertIn("| row | seeds | epoch 1 | epoch 2 | last 1 epochs |", table)
        self.assertIn("| supcon | 3 | 85.00 | 90.00 | +5.00 |", table)
        # A second run finds every cell in the ledger and trains nothing.
        again = self.evidence("--budget", "quick", "--seeds", "0 1 2", "--only", "@(hmlc|g-hmlc|supcon)")
        self.assertIn("0 cell(s) to run", again.stderr)

    def test_an_interrupted_cell_is_resumed_and_its_time_counts_the_epochs_done_before_a_finished_one_is_not(self):
        run = os.path.join(self.out, "quick", "hmlc", "seed0")
        os.makedirs(run)
        open(os.path.join(run, "checkpoint.safetensors"), "w").close()
        with open(os.path.join(run, "metrics.csv"), "w") as f:
            f.write("epoch,loss,seconds,lr,rss_mib\n1,2.0,1000.5,0.1,10\n2,1.9,2000.25,0.1,10\n")   # "seconds" found by name
        # Seed 1's folder holds a finished run (metrics.json) that is not in the ledger: it is retrained, not resumed.
        finished = os.path.join(self.out, "quick", "hmlc", "seed1")
        os.makedirs(finished)
        for name in ("checkpoint.safetensors", "metrics.json"):
            open(os.path.join(finished, name), "w").close()
        r = self.evidence("--budget", "quick", "--seeds", "0 1", "--only", "hmlc")
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        with open(os.path.join(run, "argv.json")) as f:
            self.assertIn("--resume", json.load(f))
        self.assertGreaterEqual(self.entry("quick", "hmlc", 0)["seconds"], 3000)
        with open(os.path.join(self.out, "quick", "hmlc", "seed1", "argv.json")) as f:
            self.assertIn("--force", json.load(f))
        self.assertLess(self.entry("quick", "hmlc", 1)["seconds"], 60)

    def test_a_failed_cell_is_reported_and_leaves_no_ledger_entry(self):
        r = self.evidence("--budget", "quick", "--seeds", "0", "--only", "@(hmlc|supcon)", fail="supcon")
        self.assertEqual(r.returncode, 1)
        self.assertIn("FAILED: quick supcon seed 0", r.stdout)
        self.assertFalse(os.path.exists(os.path.join(self.ledger, "quick", "supcon")))
        self.assertTrue(os.path.isfile(os.path.join(self.ledger, "quick", "hmlc", "seed0.json")))

    def test_emoji_cells_train_at_32_px_on_every_image(self):
        r = self.evidence("--dataset", "emoji", "--budget", "curve", "--epochs", "3", "--seeds", "0", "--only", "hmlc")
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        command = self.entry("curve-e3", "hmlc", 0)["command"]
        self.assertIn("train -m hmlc -d emoji --image-size 32 --channels 3 --epochs 3 --probe-epochs 40", command)
        self.assertNotIn("--train-limit", command)

    def test_bad_options_are_refused(self):
        for args in (["--budget", "huge"], ["--dataset", "mnist"], ["--bogus"]):
            r = self.evidence(*args, "--list")
            self.assertEqual(r.returncode, 2, args)
            self.assertIn("evidence.sh:", r.stderr)

    def test_the_embedded_fashion_mnist_subset_is_refused(self):
        embedded = "full Fashion-MNIST not found at /usr/share/datasets/fashion-mnist; using the embedded 10,000-image subset"
        r = self.evidence("--budget", "quick", "--seeds", "0", "--only", "hmlc", STUB_SOURCE=embedded)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("apt-get install dataset-fashion-mnist", r.stderr)
        self.assertFalse(os.path.exists(self.ledger) or os.path.exists(self.out), "something was written")
        # --list only prints the queue, and emoji cells never read Fashion-MNIST.
        self.assertEqual(self.evidence("--budget", "quick", "--only", "hmlc", "--list", STUB_SOURCE=embedded).returncode, 0)
        r = self.evidence("--dataset", "emoji", "--budget", "quick", "--seeds", "0", "--only", "ce", STUB_SOURCE=embedded)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_verify_compares_every_headline_number(self):
        self.evidence("--budget", "quick", "--seeds", "0", "--only", "hmlc")
        same = self.evidence("--budget", "quick", "--seeds", "0", "--only", "hmlc", "--verify")
        self.assertEqual(same.returncode, 0, same.stderr + same.stdout)
        self.assertIn("reproduced exactly", same.stdout)
        entry = os.path.join(self.ledger, "quick", "hmlc", "seed0.json")
        with open(entry) as f:
            e = json.load(f)
        e["metrics"]["full_path"] += 0.0001
        with open(entry, "w") as f:
            json.dump(e, f)
        differs = self.evidence("--budget", "quick", "--seeds", "0", "--only", "hmlc", "--verify")
        self.assertEqual(differs.returncode, 1)
        self.assertIn("full path ledger", differs.stdout)
        self.assertNotIn("kind of CPU", differs.stdout)   # same machine: a real difference, nothing to explain it
        e["cpu"] = "Other CPU (avx2, avx512f)"
        with open(entry, "w") as f:
            json.dump(e, f)
        elsewhere = self.evidence("--budget", "quick", "--seeds", "0", "--only", "hmlc", "--verify")
        self.assertEqual(elsewhere.returncode, 1)
        self.assertIn("the cell ran on Other CPU (avx2, avx512f), the rerun on ", elsewhere.stdout)

    def test_the_cpu_is_read_from_cpuinfo_with_the_vector_units_that_choose_kernels(self):
        import importlib.util
        spec = importlib.util.spec_from_file_location("evidence_table", TABLE)
        table = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(table)
        info = os.path.join(self.tmp.name, "cpuinfo")
        with open(info, "w") as f:
            f.write("processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Platinum 8481C\n"
                    "flags\t\t: fpu sse2 avx2 fma avx512f avx512_bf16 amx_bf16 amx_tile\n\n"
                    "processor\t: 1\nmodel name\t: Intel(R) Xeon(R) Platinum 8481C\nflags\t\t: fpu\n")
        self.assertEqual(table.cpu(info), "Intel(R) Xeon(R) Platinum 8481C (avx2, avx512f, avx512_bf16, amx_bf16)")
        with open(info, "w") as f:
            f.write("flags\t\t: fpu sse2\n")
        self.assertEqual(table.cpu(info), "unknown (no avx2)")
        self.assertEqual(table.cpu(os.path.join(self.tmp.name, "missing")), "unknown")

    def test_sync_rewrites_a_stale_block_and_check_names_it(self):
        self.evidence("--budget", "quick", "--seeds", "0", "--only", "hmlc")
        doc = os.path.join(self.tmp.name, "results.md")
        with open(doc, "w") as f:
            f.write(f"# Results\n\n<!-- evidence-table {os.path.relpath(self.ledger, ROOT)} quick -->\nold\n"
                    "<!-- end evidence-table -->\n\nprose stays\n")
        check = subprocess.run([sys.executable, TABLE, "sync", doc, "--check"], capture_output=True, text=True)
        self.assertEqual(check.returncode, 1)
        self.assertIn("results.md:3: the quick table differs", check.stderr)
        subprocess.run([sys.executable, TABLE, "sync", doc], check=True, capture_output=True)
        with open(doc) as f:
            text = f.read()
        self.assertIn("| hmlc | 1 | 99.00 | 90.00 |", text)
        self.assertNotIn("old", text)
        self.assertTrue(text.endswith("prose stays\n"))
        again = subprocess.run([sys.executable, TABLE, "sync", doc, "--check"], capture_output=True, text=True)
        self.assertEqual(again.returncode, 0, again.stderr)


if __name__ == "__main__":
    unittest.main()
