// Package charts checks the Helm chart charts/wfreview by parsing what `helm template` renders.
//
// The renders come from $WFREVIEW_HELM_RENDER_DIR (written by .ci/helm.sh: default.yaml and
// postgres-ha.yaml), or else the test runs Helm itself ($HELM, or helm in PATH). Without either it
// skips. The bad-replicas case needs Helm: .ci/helm.sh checks it too.
package charts

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/wfreview/wfreview/config"
)

const (
	chartDir    = "wfreview"
	release     = "wfreview"
	namespace   = "wfreview"
	kubeVersion = "1.31.0" // as in .ci/helm.sh
	skipMessage = "helm not found: run .ci/helm.sh or set HELM (or WFREVIEW_HELM_RENDER_DIR)"
)

// renderCase is a values file of charts/wfreview/ci and what its render must look like.
type renderCase struct {
	name   string // render file name without .yaml; values file wfreview/ci/<name>-values.yaml
	ha     bool   // PostgreSQL, several replicas
	values values // the settings of the values file the assertions depend on
}

// values repeats what the CI values files set, so the assertions can name the expected Secrets.
type values struct {
	replicas         int
	githubSecret     string
	appIDFromSecret  bool
	modelsSecret     string
	modelKeys        map[string]string // api_key_env -> key in modelsSecret
	postgresSecret   string
	postgresURLKey   string
	ingressHost      string
	ingressPath      string
	pdbMinAvailable  int
	webhookSecretKey string
	privateKeyKey    string
	archives         bool // archiveCache.enabled
	archiveMaxFiles  int  // config.archive.max_files (0: the default)
	goToolchain      bool // goToolchain.enabled
}

var cases = []renderCase{
	{name: "default", values: values{
		replicas:         1,
		githubSecret:     "wfreview-github",
		appIDFromSecret:  true,
		modelsSecret:     "wfreview-models",
		modelKeys:        map[string]string{"ANTHROPIC_API_KEY": "ANTHROPIC_API_KEY", "OPENAI_API_KEY": "OPENAI_API_KEY"},
		webhookSecretKey: "webhook-secret",
		privateKeyKey:    "private-key.pem",
		archives:         true,
		goToolchain:      true,
	}},
	{name: "postgres-ha", ha: true, values: values{
		replicas:         3,
		githubSecret:     "wfreview-github",
		modelsSecret:     "wfreview-models",
		modelKeys:        map[string]string{"ANTHROPIC_API_KEY": "ANTHROPIC_API_KEY", "OPENAI_API_KEY": "openai"},
		postgresSecret:   "wfreview-postgres",
		postgresURLKey:   "database-url",
		ingressHost:      "wfreview.example.com",
		ingressPath:      "/api/github/hook",
		pdbMinAvailable:  2,
		webhookSecretKey: "webhook-secret",
		privateKeyKey:    "private-key.pem",
		archives:         false,
		archiveMaxFiles:  50000,
	}},
}

// findHelm returns $HELM, else helm from PATH, else "".
func findHelm(t *testing.T) string {
	t.Helper()
	if h := os.Getenv("HELM"); h != "" {
		if _, err := os.Stat(h); err != nil {
			t.Fatalf("HELM=%s: %v", h, err)
		}
		return h
	}
	if h, err := exec.LookPath("helm"); err == nil {
		return h
	}
	return ""
}

// helmTemplate runs helm template with a values file and returns stdout, or the error with stderr.
func helmTemplate(helm, valuesFile string) ([]byte, error) {
	cmd := exec.Command(helm, "template", release, chartDir, "--namespace", namespace,
		"--kube-version", kubeVersion, "-f", valuesFile)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s: %w: %s", strings.Join(cmd.Args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// render returns the manifests of a case: from WFREVIEW_HELM_RENDER_DIR, else by running Helm.
func render(t *testing.T, c renderCase) []byte {
	t.Helper()
	if dir := os.Getenv("WFREVIEW_HELM_RENDER_DIR"); dir != "" {
		data, err := os.ReadFile(filepath.Join(dir, c.name+".yaml"))
		if err != nil {
			t.Fatalf("WFREVIEW_HELM_RENDER_DIR is set but: %v (run .ci/helm.sh %s)", err, dir)
		}
		return data
	}
	helm := findHelm(t)
	if helm == "" {
		t.Skip(skipMessage)
	}
	out, err := helmTemplate(helm, filepath.Join(chartDir, "ci", c.name+"-values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Kubernetes shapes, only the fields the tests read.

type meta struct {
	Name        string            `yaml:"name"`
	Namespace   string            `yaml:"namespace"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

type object struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   meta   `yaml:"metadata"`
	raw        []byte
}

type securityContext struct {
	RunAsNonRoot             *bool  `yaml:"runAsNonRoot"`
	RunAsUser                *int64 `yaml:"runAsUser"`
	RunAsGroup               *int64 `yaml:"runAsGroup"`
	FSGroup                  *int64 `yaml:"fsGroup"`
	ReadOnlyRootFilesystem   *bool  `yaml:"readOnlyRootFilesystem"`
	AllowPrivilegeEscalation *bool  `yaml:"allowPrivilegeEscalation"`
	Privileged               *bool  `yaml:"privileged"`
	Capabilities             *struct {
		Add  []string `yaml:"add"`
		Drop []string `yaml:"drop"`
	} `yaml:"capabilities"`
	SeccompProfile *struct {
		Type string `yaml:"type"`
	} `yaml:"seccompProfile"`
}

type keyRef struct {
	Name string `yaml:"name"`
	Key  string `yaml:"key"`
}

type envVar struct {
	Name      string  `yaml:"name"`
	Value     *string `yaml:"value"`
	ValueFrom *struct {
		SecretKeyRef    *keyRef `yaml:"secretKeyRef"`
		ConfigMapKeyRef *keyRef `yaml:"configMapKeyRef"`
	} `yaml:"valueFrom"`
}

type probe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port any    `yaml:"port"`
	} `yaml:"httpGet"`
}

type volumeMount struct {
	Name      string `yaml:"name"`
	MountPath string `yaml:"mountPath"`
	SubPath   string `yaml:"subPath"`
	ReadOnly  bool   `yaml:"readOnly"`
}

type keyToPath struct {
	Key  string `yaml:"key"`
	Path string `yaml:"path"`
}

type volume struct {
	Name   string `yaml:"name"`
	Secret *struct {
		SecretName  string      `yaml:"secretName"`
		DefaultMode *int        `yaml:"defaultMode"`
		Items       []keyToPath `yaml:"items"`
	} `yaml:"secret"`
	ConfigMap *struct {
		Name  string      `yaml:"name"`
		Items []keyToPath `yaml:"items"`
	} `yaml:"configMap"`
	PersistentVolumeClaim *struct {
		ClaimName string `yaml:"claimName"`
	} `yaml:"persistentVolumeClaim"`
	EmptyDir *struct {
		SizeLimit string `yaml:"sizeLimit"`
	} `yaml:"emptyDir"`
}

type container struct {
	Name  string   `yaml:"name"`
	Image string   `yaml:"image"`
	Args  []string `yaml:"args"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	Env     []envVar `yaml:"env"`
	EnvFrom []struct {
		SecretRef    *struct{ Name string } `yaml:"secretRef"`
		ConfigMapRef *struct{ Name string } `yaml:"configMapRef"`
	} `yaml:"envFrom"`
	VolumeMounts    []volumeMount    `yaml:"volumeMounts"`
	LivenessProbe   *probe           `yaml:"livenessProbe"`
	ReadinessProbe  *probe           `yaml:"readinessProbe"`
	StartupProbe    *probe           `yaml:"startupProbe"`
	SecurityContext *securityContext `yaml:"securityContext"`
	Resources       struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
}

type deployment struct {
	Spec struct {
		Replicas *int `yaml:"replicas"`
		Selector struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		Strategy struct {
			Type string `yaml:"type"`
		} `yaml:"strategy"`
		Template struct {
			Metadata meta `yaml:"metadata"`
			Spec     struct {
				ServiceAccountName            string           `yaml:"serviceAccountName"`
				AutomountServiceAccountToken  *bool            `yaml:"automountServiceAccountToken"`
				SecurityContext               *securityContext `yaml:"securityContext"`
				TerminationGracePeriodSeconds *int             `yaml:"terminationGracePeriodSeconds"`
				Containers                    []container      `yaml:"containers"`
				Volumes                       []volume         `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type service struct {
	Spec struct {
		Type     string            `yaml:"type"`
		Selector map[string]string `yaml:"selector"`
		Ports    []struct {
			Name       string `yaml:"name"`
			Port       int    `yaml:"port"`
			TargetPort any    `yaml:"targetPort"`
		} `yaml:"ports"`
	} `yaml:"spec"`
}

type configMap struct {
	Data map[string]string `yaml:"data"`
}

type pvc struct {
	Spec struct {
		AccessModes []string `yaml:"accessModes"`
		Resources   struct {
			Requests map[string]string `yaml:"requests"`
		} `yaml:"resources"`
	} `yaml:"spec"`
}

type ingress struct {
	Spec struct {
		IngressClassName string `yaml:"ingressClassName"`
		TLS              []struct {
			SecretName string   `yaml:"secretName"`
			Hosts      []string `yaml:"hosts"`
		} `yaml:"tls"`
		Rules []struct {
			Host string `yaml:"host"`
			HTTP struct {
				Paths []struct {
					Path     string `yaml:"path"`
					PathType string `yaml:"pathType"`
					Backend  struct {
						Service struct {
							Name string `yaml:"name"`
							Port struct {
								Number int    `yaml:"number"`
								Name   string `yaml:"name"`
							} `yaml:"port"`
						} `yaml:"service"`
					} `yaml:"backend"`
				} `yaml:"paths"`
			} `yaml:"http"`
		} `yaml:"rules"`
	} `yaml:"spec"`
}

type serviceMonitor struct {
	Spec struct {
		Selector struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		Endpoints []struct {
			Port string `yaml:"port"`
			Path string `yaml:"path"`
		} `yaml:"endpoints"`
	} `yaml:"spec"`
}

type pdb struct {
	Spec struct {
		MinAvailable   any `yaml:"minAvailable"`
		MaxUnavailable any `yaml:"maxUnavailable"`
		Selector       struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
	} `yaml:"spec"`
}

type serviceAccount struct {
	AutomountServiceAccountToken *bool `yaml:"automountServiceAccountToken"`
}

// manifests is a parsed render.
type manifests struct{ objects []object }

func parse(t *testing.T, data []byte) manifests {
	t.Helper()
	var m manifests
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for i := 0; ; i++ {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		if doc == nil {
			continue
		}
		raw, err := yaml.Marshal(doc)
		if err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		var o object
		if err := yaml.Unmarshal(raw, &o); err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		if o.Kind == "" || o.APIVersion == "" || o.Metadata.Name == "" {
			t.Fatalf("document %d has no kind, apiVersion or name:\n%s", i, raw)
		}
		o.raw = raw
		m.objects = append(m.objects, o)
	}
	if len(m.objects) == 0 {
		t.Fatal("the render holds no objects")
	}
	return m
}

// all returns the objects of a kind.
func (m manifests) all(kind string) []object {
	var out []object
	for _, o := range m.objects {
		if o.Kind == kind {
			out = append(out, o)
		}
	}
	return out
}

// one decodes the only object of a kind into v, failing unless there is exactly one.
func (m manifests) one(t *testing.T, kind string, v any) object {
	t.Helper()
	objs := m.all(kind)
	if len(objs) != 1 {
		t.Fatalf("want 1 %s, got %d", kind, len(objs))
	}
	if v != nil {
		if err := yaml.Unmarshal(objs[0].raw, v); err != nil {
			t.Fatalf("%s %s: %v", kind, objs[0].Metadata.Name, err)
		}
	}
	return objs[0]
}

func TestRenders(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := parse(t, render(t, c))
			checkCommon(t, m, c)
			if c.ha {
				checkHA(t, m, c)
			} else {
				checkSQLite(t, m, c)
			}
		})
	}
}

// pod returns the Deployment, its one container, the container's env by name and the pod's volumes
// by name.
func pod(t *testing.T, m manifests) (deployment, container, map[string]envVar, map[string]volume) {
	t.Helper()
	var d deployment
	m.one(t, "Deployment", &d)
	ps := d.Spec.Template.Spec
	if len(ps.Containers) != 1 {
		t.Fatalf("want 1 container, got %d", len(ps.Containers))
	}
	ct := ps.Containers[0]
	env := map[string]envVar{}
	for _, e := range ct.Env {
		env[e.Name] = e
	}
	volumes := map[string]volume{}
	for _, vol := range ps.Volumes {
		volumes[vol.Name] = vol
	}
	return d, ct, env, volumes
}

// checkSQLite: one replica, Recreate, the database on a ReadWriteOnce PVC.
func checkSQLite(t *testing.T, m manifests, c renderCase) {
	d, ct, env, volumes := pod(t, m)
	if d.Spec.Strategy.Type != "Recreate" {
		t.Errorf("strategy %q, want Recreate: two pods must not open the same SQLite file", d.Spec.Strategy.Type)
	}
	var claim pvc
	pvcObj := m.one(t, "PersistentVolumeClaim", &claim)
	if len(claim.Spec.AccessModes) != 1 || claim.Spec.AccessModes[0] != "ReadWriteOnce" {
		t.Errorf("PVC access modes %v, want [ReadWriteOnce]", claim.Spec.AccessModes)
	}
	if claim.Spec.Resources.Requests["storage"] == "" {
		t.Error("PVC has no storage request")
	}
	dbURL := envValue(t, env, "WFREVIEW_DATABASE_URL")
	if strings.Contains(dbURL, "://") || !strings.HasPrefix(dbURL, "/") {
		t.Errorf("WFREVIEW_DATABASE_URL=%q, want an absolute SQLite path", dbURL)
	}
	mnt, vol, _ := mountOf(t, ct, volumes, dbURL)
	if vol.PersistentVolumeClaim == nil || vol.PersistentVolumeClaim.ClaimName != pvcObj.Metadata.Name {
		t.Errorf("WFREVIEW_DATABASE_URL=%s is not on the PVC %s (mount %s, volume %s)", dbURL, pvcObj.Metadata.Name, mnt.MountPath, vol.Name)
	}
	if mnt.ReadOnly || mnt.SubPath != "" {
		t.Errorf("the database mount %s must be a writable directory (SQLite writes -wal and -shm files next to the database)", mnt.MountPath)
	}
	if n := len(m.all("PodDisruptionBudget")); n != 0 {
		t.Errorf("%d PodDisruptionBudget with one replica: it would block node drains", n)
	}
}

// checkHA: several replicas on PostgreSQL, rolling updates, no volume, PDB, Ingress and
// ServiceMonitor.
func checkHA(t *testing.T, m manifests, c renderCase) {
	v := c.values
	d, _, env, volumes := pod(t, m)
	if d.Spec.Strategy.Type != "RollingUpdate" {
		t.Errorf("strategy %q, want RollingUpdate", d.Spec.Strategy.Type)
	}
	if n := len(m.all("PersistentVolumeClaim")); n != 0 {
		t.Errorf("%d PersistentVolumeClaim with PostgreSQL, want none", n)
	}
	for _, vol := range volumes {
		if vol.PersistentVolumeClaim != nil {
			t.Errorf("volume %s is a PVC with PostgreSQL", vol.Name)
		}
	}
	wantSecretRef(t, env, "WFREVIEW_DATABASE_URL", v.postgresSecret, v.postgresURLKey)
	podLabels := d.Spec.Template.Metadata.Labels

	var budget pdb
	m.one(t, "PodDisruptionBudget", &budget)
	if fmt.Sprint(budget.Spec.MinAvailable) != fmt.Sprint(v.pdbMinAvailable) {
		t.Errorf("PDB minAvailable %v, want %d", budget.Spec.MinAvailable, v.pdbMinAvailable)
	}
	if v.pdbMinAvailable >= v.replicas {
		t.Errorf("test case: minAvailable %d >= replicas %d would block drains", v.pdbMinAvailable, v.replicas)
	}
	if len(budget.Spec.Selector.MatchLabels) == 0 || !subset(budget.Spec.Selector.MatchLabels, podLabels) {
		t.Errorf("PDB selector %v does not select the pods %v", budget.Spec.Selector.MatchLabels, podLabels)
	}

	svcObj := m.one(t, "Service", nil)
	var ing ingress
	ingObj := m.one(t, "Ingress", &ing)
	if ingObj.APIVersion != "networking.k8s.io/v1" {
		t.Errorf("Ingress apiVersion %s, want networking.k8s.io/v1", ingObj.APIVersion)
	}
	found := false
	for _, r := range ing.Spec.Rules {
		for _, p := range r.HTTP.Paths {
			if r.Host == v.ingressHost && p.Path == v.ingressPath {
				found = true
				if p.Backend.Service.Name != svcObj.Metadata.Name || p.Backend.Service.Port.Number != 80 {
					t.Errorf("Ingress %s%s goes to %s:%d, want %s:80", r.Host, p.Path, p.Backend.Service.Name, p.Backend.Service.Port.Number, svcObj.Metadata.Name)
				}
				if p.PathType == "" {
					t.Errorf("Ingress path %s has no pathType", p.Path)
				}
			}
		}
	}
	if !found {
		t.Errorf("Ingress has no rule for %s%s", v.ingressHost, v.ingressPath)
	}
	tls := false
	for _, x := range ing.Spec.TLS {
		for _, h := range x.Hosts {
			tls = tls || h == v.ingressHost && x.SecretName != ""
		}
	}
	if !tls {
		t.Errorf("Ingress has no TLS for %s", v.ingressHost)
	}

	var sm serviceMonitor
	smObj := m.one(t, "ServiceMonitor", &sm)
	if smObj.APIVersion != "monitoring.coreos.com/v1" {
		t.Errorf("ServiceMonitor apiVersion %s, want monitoring.coreos.com/v1", smObj.APIVersion)
	}
	if len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Port != "http" || sm.Spec.Endpoints[0].Path != "/metrics" {
		t.Errorf("ServiceMonitor endpoints %+v, want port http path /metrics", sm.Spec.Endpoints)
	}
	if len(sm.Spec.Selector.MatchLabels) == 0 || !subset(sm.Spec.Selector.MatchLabels, svcObj.Metadata.Labels) {
		t.Errorf("ServiceMonitor selector %v does not select the Service labels %v", sm.Spec.Selector.MatchLabels, svcObj.Metadata.Labels)
	}
}

// TestBadReplicasRefused: two replicas on SQLite must not render. Needs Helm (.ci/helm.sh checks it
// too).
func TestBadReplicasRefused(t *testing.T) {
	helm := findHelm(t)
	if helm == "" {
		t.Skip(skipMessage + "; .ci/helm.sh asserts this case as well")
	}
	out, err := helmTemplate(helm, filepath.Join("testdata", "bad-replicas-values.yaml"))
	if err == nil {
		t.Fatalf("replicaCount 2 with SQLite rendered (%d bytes); the chart must refuse it", len(out))
	}
	if !strings.Contains(err.Error(), "needs PostgreSQL") {
		t.Fatalf("failed, but not with the replicaCount message: %v", err)
	}
}

// sensitiveEnv matches environment variables that hold secrets: they must come from a Secret.
var sensitiveEnv = regexp.MustCompile(`(?i)(SECRET|PASSWORD|PASSWD|(^|_)TOKEN$|API_?KEY|PRIVATE_KEY|CREDENTIAL|DATABASE_URL)`)

func checkCommon(t *testing.T, m manifests, c renderCase) {
	v := c.values
	for _, o := range m.objects {
		if o.Metadata.Namespace != namespace {
			t.Errorf("%s %s: namespace %q, want %q", o.Kind, o.Metadata.Name, o.Metadata.Namespace, namespace)
		}
		if o.Kind == "Secret" {
			// The chart takes every secret by reference; it never creates one.
			t.Errorf("the chart renders a Secret (%s): secrets must come from existing Secrets", o.Metadata.Name)
		}
	}

	d, ct, _, volumes := pod(t, m)
	ps := d.Spec.Template.Spec
	if got := strings.Join(ct.Args, " "); got != "serve" {
		t.Errorf("container args %q, want serve", got)
	}

	// Security contexts.
	checkSecurityContext(t, "pod", ps.SecurityContext, false)
	checkSecurityContext(t, "container", ct.SecurityContext, true)
	if ps.SecurityContext != nil && (ps.SecurityContext.FSGroup == nil || *ps.SecurityContext.FSGroup != 65532) {
		t.Error("pod securityContext.fsGroup is not 65532")
	}
	if ps.AutomountServiceAccountToken == nil || *ps.AutomountServiceAccountToken {
		t.Error("pod automountServiceAccountToken is not false")
	}
	var sa serviceAccount
	if o := m.one(t, "ServiceAccount", &sa); o.Metadata.Name != ps.ServiceAccountName {
		t.Errorf("pod serviceAccountName %q, ServiceAccount %q", ps.ServiceAccountName, o.Metadata.Name)
	}
	if sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
		t.Error("ServiceAccount automountServiceAccountToken is not false")
	}
	if g := ps.TerminationGracePeriodSeconds; g == nil || *g < 45 {
		t.Errorf("terminationGracePeriodSeconds %v, want >= 45 (wfreview drains for up to 30s)", g)
	}

	// Port and probes.
	httpPort := 0
	for _, p := range ct.Ports {
		if p.Name == "http" {
			httpPort = p.ContainerPort
		}
	}
	if httpPort != 8080 {
		t.Errorf("container port named http is %d, want 8080", httpPort)
	}
	checkProbe(t, "livenessProbe", ct.LivenessProbe, "/healthz")
	checkProbe(t, "readinessProbe", ct.ReadinessProbe, "/readyz")
	if ct.StartupProbe != nil {
		checkProbe(t, "startupProbe", ct.StartupProbe, "/healthz")
	}

	// Resources.
	for _, r := range []struct {
		what string
		m    map[string]string
		key  string
	}{{"requests", ct.Resources.Requests, "cpu"}, {"requests", ct.Resources.Requests, "memory"}, {"limits", ct.Resources.Limits, "memory"}} {
		if r.m[r.key] == "" {
			t.Errorf("resources.%s.%s is not set", r.what, r.key)
		}
	}

	// Environment: secrets only by reference.
	env := map[string]envVar{}
	for _, e := range ct.Env {
		if _, dup := env[e.Name]; dup {
			t.Errorf("env %s is set twice", e.Name)
		}
		env[e.Name] = e
		if e.Value != nil && e.ValueFrom != nil {
			t.Errorf("env %s has both value and valueFrom", e.Name)
		}
		if sensitiveEnv.MatchString(e.Name) && !strings.HasSuffix(e.Name, "_FILE") && !(e.Name == "WFREVIEW_DATABASE_URL" && !c.ha) {
			if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
				t.Errorf("env %s looks secret but is not a valueFrom.secretKeyRef", e.Name)
			}
		}
	}
	for _, ef := range ct.EnvFrom {
		if ef.ConfigMapRef != nil {
			t.Errorf("envFrom configMapRef %s: configuration goes through the mounted file", ef.ConfigMapRef.Name)
		}
	}
	if _, ok := env["GITHUB_APP_PRIVATE_KEY"]; ok {
		t.Error("GITHUB_APP_PRIVATE_KEY is set: the key must be mounted as a file (GITHUB_APP_PRIVATE_KEY_FILE)")
	}
	wantSecretRef(t, env, "GITHUB_APP_WEBHOOK_SECRET", v.githubSecret, v.webhookSecretKey)
	if v.appIDFromSecret {
		wantSecretRef(t, env, "GITHUB_APP_INTEGRATION_ID", v.githubSecret, "app-id")
	} else if e, ok := env["GITHUB_APP_INTEGRATION_ID"]; !ok || e.Value == nil || !regexp.MustCompile(`^[0-9]+$`).MatchString(*e.Value) {
		t.Error("GITHUB_APP_INTEGRATION_ID is not a numeric value")
	}
	for name, key := range v.modelKeys {
		wantSecretRef(t, env, name, v.modelsSecret, key)
	}
	if e := env["WFREVIEW_ADDR"]; e.Value == nil || *e.Value != fmt.Sprintf(":%d", httpPort) {
		t.Errorf("WFREVIEW_ADDR is not :%d", httpPort)
	}

	// The private key: a file from the GitHub Secret, named by GITHUB_APP_PRIVATE_KEY_FILE.
	keyFile := envValue(t, env, "GITHUB_APP_PRIVATE_KEY_FILE")
	mnt, vol, rel := mountOf(t, ct, volumes, keyFile)
	switch {
	case vol.Secret == nil:
		t.Errorf("GITHUB_APP_PRIVATE_KEY_FILE=%s is not on a Secret volume (volume %s)", keyFile, vol.Name)
	case vol.Secret.SecretName != v.githubSecret:
		t.Errorf("private key volume uses Secret %q, want %q", vol.Secret.SecretName, v.githubSecret)
	case !hasItem(vol.Secret.Items, v.privateKeyKey, rel):
		t.Errorf("private key volume does not project key %q to %q: %+v", v.privateKeyKey, rel, vol.Secret.Items)
	case len(vol.Secret.Items) != 1:
		t.Errorf("the GitHub Secret volume projects %d keys, want only the private key", len(vol.Secret.Items))
	}
	if !mnt.ReadOnly {
		t.Errorf("the private key mount %s is not readOnly", mnt.MountPath)
	}
	if vol.Secret != nil && vol.Secret.DefaultMode != nil && *vol.Secret.DefaultMode&0o007 != 0 {
		t.Errorf("the private key is readable by others (defaultMode %#o)", *vol.Secret.DefaultMode)
	}

	// The operator config: WFREVIEW_CONFIG is a file of the mounted ConfigMap.
	var cm configMap
	cmObj := m.one(t, "ConfigMap", &cm)
	cfgFile := envValue(t, env, "WFREVIEW_CONFIG")
	mnt, vol, rel = mountOf(t, ct, volumes, cfgFile)
	if vol.ConfigMap == nil || vol.ConfigMap.Name != cmObj.Metadata.Name {
		t.Fatalf("WFREVIEW_CONFIG=%s is not on a volume of ConfigMap %s", cfgFile, cmObj.Metadata.Name)
	}
	if !mnt.ReadOnly {
		t.Errorf("the config mount %s is not readOnly", mnt.MountPath)
	}
	cmKey := rel
	for _, it := range vol.ConfigMap.Items {
		if it.Path == rel {
			cmKey = it.Key
		}
	}
	cfg, ok := cm.Data[cmKey]
	if !ok {
		t.Fatalf("ConfigMap %s has no key %q (WFREVIEW_CONFIG=%s)", cmObj.Metadata.Name, cmKey, cfgFile)
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(d.Spec.Template.Metadata.Annotations["checksum/config"]) {
		t.Error("the pod template has no checksum/config annotation: config changes would not roll the pods")
	}
	for k, val := range cm.Data {
		checkNoSecrets(t, "ConfigMap "+cmObj.Metadata.Name+" data."+k, val)
	}
	op := loadOperator(t, cfg)
	// Every model API key variable the config names comes from the models Secret.
	for _, mdl := range op.Models {
		if mdl.APIKeyEnv == "" {
			continue
		}
		if e, ok := env[mdl.APIKeyEnv]; !ok || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
			t.Errorf("model %s reads %s, which the pod does not get from a Secret", mdl.Name, mdl.APIKeyEnv)
		}
	}

	// /tmp is writable with the read-only root filesystem.
	if _, vol, _ := mountOf(t, ct, volumes, "/tmp/x"); vol.EmptyDir == nil {
		t.Error("/tmp is not an emptyDir")
	}
	checkArchiveCache(t, c, ct, env, volumes, op)
	checkGoToolchain(t, c, ct, env, volumes)

	// Service: ClusterIP, port 80 to the named port.
	var svc service
	m.one(t, "Service", &svc)
	if svc.Spec.Type != "ClusterIP" {
		t.Errorf("Service type %q, want ClusterIP", svc.Spec.Type)
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 80 || fmt.Sprint(svc.Spec.Ports[0].TargetPort) != "http" {
		t.Errorf("Service ports %+v, want 80 -> http", svc.Spec.Ports)
	}
	if !subset(svc.Spec.Selector, d.Spec.Template.Metadata.Labels) || len(svc.Spec.Selector) == 0 {
		t.Errorf("Service selector %v does not select the pods %v", svc.Spec.Selector, d.Spec.Template.Metadata.Labels)
	}
	if !subset(d.Spec.Selector.MatchLabels, d.Spec.Template.Metadata.Labels) {
		t.Error("the Deployment selector does not match its pod labels")
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas != v.replicas {
		t.Errorf("replicas %v, want %d", d.Spec.Replicas, v.replicas)
	}
}

// checkArchiveCache: with archives, the cache is a size-limited emptyDir named by
// WFREVIEW_ARCHIVE_DIR, capped by WFREVIEW_ARCHIVE_CACHE_BYTES below that limit and above one
// archive; without, no cache and archive.enabled: false in the operator config.
func checkArchiveCache(t *testing.T, c renderCase, ct container, env map[string]envVar, volumes map[string]volume, op *config.Operator) {
	t.Helper()
	if want := c.values.archiveMaxFiles; want != 0 && op.Archive.MaxFiles != want {
		t.Errorf("archive.max_files = %d, want %d from config.archive", op.Archive.MaxFiles, want)
	}
	if !c.values.archives {
		if _, ok := env[config.EnvArchiveDir]; ok || op.Archive.Enabled {
			t.Errorf("archives are off, but %s is set or archive.enabled is %v", config.EnvArchiveDir, op.Archive.Enabled)
		}
		if _, ok := volumes["archives"]; ok {
			t.Error("archives are off, but the pod has an archive cache volume")
		}
		return
	}
	if !op.Archive.Enabled {
		t.Error("archive.enabled is false in the rendered operator config")
	}
	dir := envValue(t, env, config.EnvArchiveDir)
	mnt, vol, _ := mountOf(t, ct, volumes, dir+"/x")
	if mnt.MountPath != dir || vol.EmptyDir == nil || mnt.ReadOnly {
		t.Fatalf("%s=%s is not a writable emptyDir mount (mount %s)", config.EnvArchiveDir, dir, mnt.MountPath)
	}
	limit := quantityBytes(t, vol.EmptyDir.SizeLimit)
	capBytes, err := strconv.ParseInt(envValue(t, env, config.EnvArchiveCacheBytes), 10, 64)
	if err != nil {
		t.Fatalf("%s is not a number of bytes: %v", config.EnvArchiveCacheBytes, err)
	}
	if capBytes < op.Archive.MaxExtractedBytes || capBytes >= limit {
		t.Errorf("%s=%d must be between archive.max_extracted_bytes (%d) and the volume's sizeLimit (%d)",
			config.EnvArchiveCacheBytes, capBytes, op.Archive.MaxExtractedBytes, limit)
	}
}

// checkGoToolchain: with goToolchain on, the Go caches live on a writable emptyDir of their own.
func checkGoToolchain(t *testing.T, c renderCase, ct container, env map[string]envVar, volumes map[string]volume) {
	t.Helper()
	if !c.values.goToolchain {
		for _, k := range []string{"GOCACHE", "GOMODCACHE"} {
			if _, ok := env[k]; ok {
				t.Errorf("goToolchain is off, but %s is set", k)
			}
		}
		if _, ok := volumes["go-cache"]; ok {
			t.Error("goToolchain is off, but the pod has a go-cache volume")
		}
		return
	}
	var dirs []string
	for _, k := range []string{"GOCACHE", "GOMODCACHE"} {
		dir := envValue(t, env, k)
		mnt, vol, _ := mountOf(t, ct, volumes, dir+"/x")
		if vol.EmptyDir == nil || mnt.ReadOnly || quantityBytes(t, vol.EmptyDir.SizeLimit) < 1<<30 {
			t.Errorf("%s=%s is not on a writable emptyDir of at least 1Gi (mount %s)", k, dir, mnt.MountPath)
		}
		dirs = append(dirs, dir)
	}
	if dirs[0] == dirs[1] {
		t.Errorf("GOCACHE and GOMODCACHE are the same directory %s", dirs[0])
	}
}

// quantityBytes parses the Kubernetes quantities a sizeLimit uses here (Ki, Mi, Gi, Ti, or bytes).
func quantityBytes(t *testing.T, q string) int64 {
	t.Helper()
	mult := int64(1)
	for suffix, m := range map[string]int64{"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40} {
		if strings.HasSuffix(q, suffix) {
			q, mult = strings.TrimSuffix(q, suffix), m
		}
	}
	n, err := strconv.ParseInt(q, 10, 64)
	if err != nil || q == "" {
		t.Fatalf("sizeLimit %q is not a quantity this test reads", q)
	}
	return n * mult
}

func checkSecurityContext(t *testing.T, what string, sc *securityContext, isContainer bool) {
	t.Helper()
	if sc == nil {
		t.Errorf("%s securityContext is missing", what)
		return
	}
	if sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
		t.Errorf("%s runAsNonRoot is not true", what)
	}
	if sc.RunAsUser == nil || *sc.RunAsUser != 65532 || sc.RunAsGroup == nil || *sc.RunAsGroup != 65532 {
		t.Errorf("%s runAsUser/runAsGroup are not 65532", what)
	}
	if sc.SeccompProfile == nil || sc.SeccompProfile.Type != "RuntimeDefault" {
		t.Errorf("%s seccompProfile is not RuntimeDefault", what)
	}
	if !isContainer {
		return
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Errorf("%s readOnlyRootFilesystem is not true", what)
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("%s allowPrivilegeEscalation is not false", what)
	}
	if sc.Privileged != nil && *sc.Privileged {
		t.Errorf("%s is privileged", what)
	}
	if sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" || len(sc.Capabilities.Add) != 0 {
		t.Errorf("%s capabilities are not drop [ALL] without add", what)
	}
}

func checkProbe(t *testing.T, what string, p *probe, wantPath string) {
	t.Helper()
	switch {
	case p == nil:
		t.Errorf("%s is missing", what)
	case p.HTTPGet == nil:
		t.Errorf("%s is not an httpGet probe", what)
	case p.HTTPGet.Path != wantPath || fmt.Sprint(p.HTTPGet.Port) != "http":
		t.Errorf("%s is GET %s on port %v, want %s on the named port http", what, p.HTTPGet.Path, p.HTTPGet.Port, wantPath)
	}
}

func wantSecretRef(t *testing.T, env map[string]envVar, name, secret, key string) {
	t.Helper()
	e, ok := env[name]
	switch {
	case !ok:
		t.Errorf("env %s is not set", name)
	case e.Value != nil:
		t.Errorf("env %s has a literal value; it must come from Secret %s", name, secret)
	case e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil:
		t.Errorf("env %s is not a valueFrom.secretKeyRef", name)
	case e.ValueFrom.SecretKeyRef.Name != secret || e.ValueFrom.SecretKeyRef.Key != key:
		t.Errorf("env %s comes from Secret %s key %s, want %s key %s", name, e.ValueFrom.SecretKeyRef.Name, e.ValueFrom.SecretKeyRef.Key, secret, key)
	}
}

func envValue(t *testing.T, env map[string]envVar, name string) string {
	t.Helper()
	e, ok := env[name]
	if !ok || e.Value == nil || *e.Value == "" {
		t.Fatalf("env %s has no literal value", name)
	}
	return *e.Value
}

// mountOf returns the mount of the container holding file, its volume, and the file's path inside
// the volume. With nested mounts the deepest one wins.
func mountOf(t *testing.T, ct container, volumes map[string]volume, file string) (volumeMount, volume, string) {
	t.Helper()
	var best volumeMount
	for _, mnt := range ct.VolumeMounts {
		dir := strings.TrimSuffix(mnt.MountPath, "/")
		if (mnt.SubPath == "" && strings.HasPrefix(file, dir+"/") || mnt.SubPath != "" && file == mnt.MountPath) &&
			len(mnt.MountPath) > len(best.MountPath) {
			best = mnt
		}
	}
	if best.Name == "" {
		t.Fatalf("no volume is mounted at %s", file)
	}
	vol, ok := volumes[best.Name]
	if !ok {
		t.Fatalf("mount %s names volume %s, which the pod does not have", best.MountPath, best.Name)
	}
	rel := best.SubPath
	if rel == "" {
		rel = strings.TrimPrefix(file, strings.TrimSuffix(best.MountPath, "/")+"/")
	}
	return best, vol, rel
}

func hasItem(items []keyToPath, key, p string) bool {
	for _, it := range items {
		if it.Key == key && path.Clean(it.Path) == path.Clean(p) {
			return true
		}
	}
	return false
}

func subset(sub, super map[string]string) bool {
	for k, v := range sub {
		if super[k] != v {
			return false
		}
	}
	return true
}

// loadOperator validates the rendered operator config with wfreview's own strict loader, with the
// environment variables it reads cleared.
func loadOperator(t *testing.T, cfg string) *config.Operator {
	t.Helper()
	for _, k := range []string{"GITHUB_WEB_URL", "GITHUB_V3_API_URL", "GITHUB_V4_API_URL", "GITHUB_APP_INTEGRATION_ID",
		"GITHUB_APP_WEBHOOK_SECRET", "GITHUB_APP_PRIVATE_KEY", "GITHUB_APP_PRIVATE_KEY_FILE", "GITHUB_OAUTH_CLIENT_ID",
		"GITHUB_OAUTH_CLIENT_SECRET", config.EnvAddr, config.EnvDatabaseURL} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	file := filepath.Join(t.TempDir(), "config.yml")
	if err := os.WriteFile(file, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	op, err := config.LoadOperator(file)
	if err != nil {
		t.Fatalf("the rendered operator config does not load: %v\n%s", err, cfg)
	}
	if len(op.Models) == 0 {
		t.Error("the rendered operator config has no models")
	}
	return op
}

// Secret-looking keys and values for checkNoSecrets. api_key_env holds a variable NAME.
var (
	secretKeyName = regexp.MustCompile(`(?i)(secret|password|passwd|(^|_)token$|private_?key|api_?key$|credential|database_url|dsn)`)
	secretValue   = []*regexp.Regexp{
		regexp.MustCompile(`-----BEGIN`),             // PEM
		regexp.MustCompile(`://[^/@\s:]+:[^/@\s]+@`), // URL with a password
		regexp.MustCompile(`\b(sk-|sk_live_|ghp_|gho_|ghs_|ghu_|github_pat_|xox[abp]-|AKIA|AIza)[A-Za-z0-9_-]{8,}`), // token prefixes
		regexp.MustCompile(`(?i)\bpostgres(ql)?://`),                                                                // a database URL at all
	}
	envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// checkNoSecrets fails when a ConfigMap value holds something secret-looking: a PEM, a URL with a
// password, a database URL, a known token prefix, or (in YAML content) a key named like a secret.
func checkNoSecrets(t *testing.T, where, val string) {
	t.Helper()
	for _, re := range secretValue {
		if re.MatchString(val) {
			t.Errorf("%s holds a secret-looking value (%s)", where, re)
		}
	}
	var doc any
	if err := yaml.Unmarshal([]byte(val), &doc); err != nil {
		return // not YAML: the value checks above are all there is
	}
	walk(doc, "", "", func(p, key string, v any) {
		switch {
		case key == "api_key_env":
			if s, ok := v.(string); !ok || !envName.MatchString(s) {
				t.Errorf("%s: %s is not an environment variable name", where, p)
			}
		case key != "" && secretKeyName.MatchString(key):
			t.Errorf("%s: key %s looks like a secret; secrets come from Secrets", where, p)
		}
	})
}

// walk calls f for every node of a decoded YAML document with its path and its mapping key ("" for
// list elements and the root).
func walk(v any, p, key string, f func(p, key string, v any)) {
	f(p, key, v)
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			walk(e, strings.TrimPrefix(p+"."+k, "."), k, f)
		}
	case []any:
		for i, e := range v {
			walk(e, fmt.Sprintf("%s[%d]", p, i), "", f)
		}
	}
}

// TestValuesDocumented: every top-level key of values.yaml, and every key one level down except
// inside objects passed through to Kubernetes or to the operator config as they are, has a comment
// on the line above (or at the end of its line).
func TestValuesDocumented(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	passThrough := map[string]bool{"config": true, "podSecurityContext": true, "securityContext": true,
		"resources": true, "livenessProbe": true, "readinessProbe": true, "startupProbe": true}
	keyLine := regexp.MustCompile(`^( *)([A-Za-z][A-Za-z0-9_.-]*):`)
	lines := strings.Split(string(data), "\n")
	parent := ""
	for i, line := range lines {
		mm := keyLine.FindStringSubmatch(line)
		if mm == nil {
			continue
		}
		indent, key := len(mm[1]), mm[2]
		if indent == 0 {
			parent = key
		}
		documented := strings.Contains(line, " #") ||
			i > 0 && strings.HasPrefix(strings.TrimSpace(lines[i-1]), "#")
		switch {
		case indent == 0 && !documented:
			t.Errorf("values.yaml:%d: %s has no comment", i+1, key)
		case indent == 2 && !passThrough[parent] && !documented:
			t.Errorf("values.yaml:%d: %s.%s has no comment", i+1, parent, key)
		}
	}
	// startupProbe.enabled is the chart's own key.
	if !strings.Contains(string(data), "# -- Add the startup probe") {
		t.Error("values.yaml: startupProbe.enabled has no comment")
	}
}
