package deploycheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const workflowPath = ".github/workflows/pipeline.yml"

// workflow is what the tests read of a GitHub Actions workflow.
type workflow struct {
	On          map[string]any `yaml:"on"`
	Permissions map[string]string
	Jobs        map[string]struct {
		If          string
		Needs       any
		Environment string
		Permissions map[string]string
		Steps       []struct {
			Uses string
			Run  string
		}
	}
}

func readWorkflow(t *testing.T) (workflow, []byte) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(root, workflowPath))
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	if err := yaml.Unmarshal(src, &w); err != nil {
		t.Fatal(err)
	}
	return w, src
}

// actionlint runs the module's pinned actionlint on the workflows of dir.
func actionlint(t *testing.T, dir string) (string, bool) {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(abs, ".github", "workflows", "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflow in %s (%v)", dir, err)
	}
	cmd := exec.Command("go", append([]string{"tool", "actionlint", "-no-color", "-shellcheck=", "-pyflakes="}, files...)...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if _, isExit := err.(*exec.ExitError); err != nil && !isExit {
		t.Fatalf("go tool actionlint: %v\n%s", err, out)
	}
	return string(out), err == nil
}

func TestWorkflowPassesActionlint(t *testing.T) {
	if out, ok := actionlint(t, root); !ok {
		t.Errorf("actionlint:\n%s", out)
	}
}

func TestActionlintCatchesMistakes(t *testing.T) {
	dir := t.TempDir()
	_, src := readWorkflow(t)
	bad := strings.Replace(string(src), "runs-on: ubuntu-24.04", "runs-on: ubuntu-24.04\n    needs: no-such-job", 1)
	if err := os.MkdirAll(filepath.Join(dir, ".github", "workflows"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, workflowPath), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, ok := actionlint(t, dir); ok || !strings.Contains(out, "no-such-job") {
		t.Errorf("actionlint passed a job that needs a job that does not exist:\n%s", out)
	}
}

// A tag can be moved to other code; a commit cannot.
var pinned = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$`)

func TestEveryActionIsPinnedToACommit(t *testing.T) {
	w, src := readWorkflow(t)
	n := 0
	for name, job := range w.Jobs {
		for _, step := range job.Steps {
			if step.Uses == "" {
				continue
			}
			n++
			if !pinned.MatchString(step.Uses) {
				t.Errorf("job %s uses %s, not pinned to a full commit SHA", name, step.Uses)
			}
		}
	}
	if n == 0 {
		t.Fatal("the workflow uses no action: is it read right?")
	}
	// Each pin says which release it is, for the one who updates it.
	for _, line := range strings.Split(string(src), "\n") {
		if strings.Contains(line, "uses: ") && !regexp.MustCompile(`@[0-9a-f]{40} # v\d+\.\d+\.\d+$`).MatchString(line) {
			t.Errorf("%q: the pin has no release comment (# vX.Y.Z)", strings.TrimSpace(line))
		}
	}
}

// The pipeline's stages: every push and pull request is linted and tested
// with the README's commands; only a push to main deploys, to staging,
// then to production through its environment's approval, and only the
// deploying jobs may ask GitHub for an OIDC token.
func TestThePipelineTestsThenDeploysToStagingThenProduction(t *testing.T) {
	w, _ := readWorkflow(t)
	if _, ok := w.On["push"]; !ok {
		t.Error("the workflow does not run on push")
	}
	if _, ok := w.On["pull_request"]; !ok {
		t.Error("the workflow does not run on pull_request")
	}
	if w.Permissions["contents"] != "read" || len(w.Permissions) != 1 {
		t.Errorf("the workflow's permissions %v, want contents: read only", w.Permissions)
	}
	runs := func(job string) []string {
		var out []string
		for _, s := range w.Jobs[job].Steps {
			out = append(out, strings.TrimSpace(s.Run))
		}
		return out
	}
	if r := runs("test"); !slices.Contains(r, "make lint") || !slices.Contains(r, "make test") {
		t.Errorf("the test job runs %q, want make lint and make test", r)
	}
	if j := w.Jobs["build"]; !strings.Contains(j.If, "refs/heads/main") || !strings.Contains(j.If, "push") || j.Needs != "test" {
		t.Errorf("the build job runs if %q after %v, want a push to main after test", j.If, j.Needs)
	}
	for job, want := range map[string]struct{ needs, env string }{
		"deploy-staging":    {"build", "staging"},
		"deploy-production": {"deploy-staging", "production"},
	} {
		j := w.Jobs[job]
		if j.Needs != want.needs || j.Environment != want.env {
			t.Errorf("job %s needs %v in environment %q, want %s in %s", job, j.Needs, j.Environment, want.needs, want.env)
		}
		if j.Permissions["id-token"] != "write" {
			t.Errorf("job %s cannot get an OIDC token (id-token: %q)", job, j.Permissions["id-token"])
		}
		deploys := false
		for _, r := range runs(job) {
			deploys = deploys || strings.HasPrefix(r, "sam deploy ")
		}
		if !deploys {
			t.Errorf("job %s runs no sam deploy", job)
		}
	}
	for name, j := range w.Jobs {
		if !strings.HasPrefix(name, "deploy-") && j.Permissions["id-token"] != "" {
			t.Errorf("job %s may get an OIDC token, though it deploys nothing", name)
		}
	}
}

func TestPipelineRoleTemplatePassesCfnLint(t *testing.T) {
	if out, ok := cfnLint(t, filepath.Join(root, "deploy", "pipeline-role.yaml")); !ok {
		t.Errorf("cfn-lint found errors or warnings:\n%s", out)
	}
}

// Only the repository's jobs of one environment may assume the deploy
// role, and it may hand CloudFormation only its own role.
func TestTheDeployRoleTrustsOneEnvironmentOfOneRepository(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(root, "deploy", "pipeline-role.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	for _, want := range []string{
		"token.actions.githubusercontent.com:aud: sts.amazonaws.com",
		"token.actions.githubusercontent.com:sub: !Sub repo:${GitHubRepository}:environment:${Environment}",
		"iam:PassedToService: cloudformation.amazonaws.com",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("deploy/pipeline-role.yaml lacks %q", want)
		}
	}
	if strings.Contains(s, "StringLike:\n                token.actions") {
		t.Error("the deploy role's trust matches GitHub's subject with wildcards")
	}
}

func TestCodeownersMapsEveryFunction(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(root, ".github", "CODEOWNERS"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := loadRepo(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, folder := range r.folders {
		if !regexp.MustCompile(`(?m)^/functions/` + regexp.QuoteMeta(filepath.Base(folder)) + `/\s+@\S+`).Match(src) {
			t.Errorf(".github/CODEOWNERS has no owner for functions/%s/", filepath.Base(folder))
		}
	}
}
