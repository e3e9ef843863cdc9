// Command pulumi-language-nodejs is a small Node.js language host for the
// Pulumi engine, built by scripts/toolchain.sh when the upstream host cannot be
// had (see toolchain/README.md: the upstream module
// github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 is not
// served by the module proxy this project can reach).
//
// It implements the parts of the LanguageRuntime gRPC service that `pulumi
// preview/up/destroy/refresh`, `pulumi install` and `pulumi about` use for a
// Node.js/TypeScript program:
//
//   - Run: starts `node <@pulumi/pulumi>/cmd/run ... <program>` from the
//     program's own node_modules, with the flags and environment variables
//     that the Node.js SDK's runner reads (PULUMI_CONFIG, ...).
//   - GetRequiredPackages / GetRequiredPlugins: lists the resource plugins of
//     the packages in node_modules whose package.json has pulumi.resource=true.
//   - InstallDependencies, GetProgramDependencies, About, GetPluginInfo,
//     Handshake, RuntimeOptionsPrompts, Cancel.
//
// Code generation, packing, linking and running Node.js plugins are not
// implemented (the engine gets codes.Unimplemented).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/google/shlex"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// version is stamped by scripts/toolchain.sh (-ldflags "-X main.version=...").
var version = "0.0.0-dev"

// nodeJSProcessExitedAfterLoggingUserActionableMessage is the exit code the
// Node.js SDK's runner uses once it has already reported the error to the
// engine (see @pulumi/pulumi/cmd/run/index.js).
const nodeJSProcessExitedAfterLoggingUserActionableMessage = 32

func main() {
	tracing := flag.String("tracing", "", "Emit tracing to a Zipkin-compatible tracing endpoint")
	// Accepted for compatibility with the upstream host's command line; the
	// per-program settings arrive in ProgramInfo.Options instead.
	_ = flag.Bool("typescript", true, "ignored")
	_ = flag.String("root", "", "ignored")
	_ = flag.String("tsconfig", "", "ignored")
	_ = flag.String("nodeargs", "", "ignored")
	flag.Parse()

	logging.InitLogging(false, 0, false)

	h := &host{tracing: *tracing}
	if args := flag.Args(); len(args) > 0 {
		h.engineAddress = args[0]
	}

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
		Options: rpcutil.OpenTracingServerInterceptorOptions(nil),
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not start language host RPC server: %w", err))
	}

	// The engine reads the port from our first line of output.
	fmt.Printf("%d\n", handle.Port)

	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("language host RPC stopped serving: %w", err))
	}
}

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	mu            sync.Mutex
	engineAddress string
	tracing       string
	running       []*exec.Cmd
}

// ---------------------------------------------------------------------------
// Options and paths

type runtimeOptions struct {
	typescript     bool
	tsconfig       string
	nodeargs       string
	packagemanager string
}

func parseOptions(info *pulumirpc.ProgramInfo) (runtimeOptions, error) {
	opts := runtimeOptions{typescript: true}
	if info == nil || info.GetOptions() == nil {
		return opts, nil
	}
	m := info.GetOptions().AsMap()
	if v, ok := m["typescript"]; ok {
		b, ok := v.(bool)
		if !ok {
			return opts, fmt.Errorf("typescript option must be a boolean, not %T", v)
		}
		opts.typescript = b
	}
	for key, dst := range map[string]*string{
		"tsconfig":       &opts.tsconfig,
		"nodeargs":       &opts.nodeargs,
		"packagemanager": &opts.packagemanager,
	} {
		if v, ok := m[key]; ok {
			s, ok := v.(string)
			if !ok {
				return opts, fmt.Errorf("%s option must be a string, not %T", key, v)
			}
			*dst = s
		}
	}
	return opts, nil
}

// programDir returns the directory of the program, falling back to pwd.
func programDir(info *pulumirpc.ProgramInfo, pwd string) string {
	if info != nil && info.GetProgramDirectory() != "" {
		return info.GetProgramDirectory()
	}
	if pwd != "" {
		return pwd
	}
	wd, _ := os.Getwd()
	return wd
}

// findUp returns the first dir/rel that exists, walking from dir to the root.
func findUp(dir, rel string) (string, bool) {
	dir, _ = filepath.Abs(dir)
	for {
		p := filepath.Join(dir, rel)
		if _, err := os.Stat(p); err == nil {
			return p, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// ---------------------------------------------------------------------------
// Handshake, info, options

func (h *host) Handshake(
	ctx context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(ctx context.Context, _ *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (h *host) RuntimeOptionsPrompts(
	ctx context.Context, req *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

func (h *host) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("could not find node on the $PATH: %w", err)
	}
	out, err := exec.CommandContext(ctx, nodeBin, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("node --version: %w", err)
	}
	return &pulumirpc.AboutResponse{
		Executable: nodeBin,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
		Metadata:   map[string]string{"languageHost": "rollout-lab " + version},
	}, nil
}

func (h *host) Cancel(ctx context.Context, _ *emptypb.Empty) (*emptypb.Empty, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, cmd := range h.running {
		if cmd.Process != nil {
			_ = cmd.Process.Signal(os.Interrupt)
		}
	}
	return &emptypb.Empty{}, nil
}

// ---------------------------------------------------------------------------
// Required packages

type packageJSON struct {
	Name            string            `json:"name"`
	Version         string            `json:"version"`
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
	Pulumi          struct {
		Resource         bool   `json:"resource"`
		Name             string `json:"name"`
		Version          string `json:"version"`
		Server           string `json:"server"`
		Parameterization *struct {
			Name    string `json:"name"`
			Version string `json:"version"`
			Value   []byte `json:"value"`
		} `json:"parameterization"`
	} `json:"pulumi"`
}

// pluginOf turns a package.json into the plugin it needs, if any.
func pluginOf(info packageJSON) (*pulumirpc.PackageDependency, error) {
	if !info.Pulumi.Resource {
		return nil, nil
	}
	name := info.Pulumi.Name
	if name == "" {
		name = info.Name
		switch {
		case strings.HasPrefix(name, "@pulumi/"):
			name = strings.TrimPrefix(name, "@pulumi/")
		case strings.HasPrefix(name, "@"):
			name = strings.TrimPrefix(name, "@")
		}
	}
	if name == "" {
		return nil, errors.New(`missing "name"`)
	}
	ver := info.Pulumi.Version
	if ver == "" {
		ver = info.Version
	}
	if ver == "" {
		return nil, errors.New(`missing "version"`)
	}
	if !strings.HasPrefix(ver, "v") {
		ver = "v" + ver
	}
	dep := &pulumirpc.PackageDependency{
		Name:    name,
		Kind:    "resource",
		Version: ver,
		Server:  info.Pulumi.Server,
	}
	if p := info.Pulumi.Parameterization; p != nil {
		pv := p.Version
		if pv != "" && !strings.HasPrefix(pv, "v") {
			pv = "v" + pv
		}
		dep.Parameterization = &pulumirpc.PackageParameterization{Name: p.Name, Version: pv, Value: p.Value}
	}
	return dep, nil
}

// requiredPackages walks the node_modules folder that serves dir and returns
// the resource plugins its packages declare, deduplicated and sorted.
func requiredPackages(dir string) ([]*pulumirpc.PackageDependency, error) {
	nm, ok := findUp(dir, "node_modules")
	if !ok {
		return nil, nil
	}
	seen := map[string]*pulumirpc.PackageDependency{}
	visited := map[string]bool{}
	var walk func(string) error
	walk = func(nodeModules string) error {
		real, err := filepath.EvalSymlinks(nodeModules)
		if err != nil || visited[real] {
			return nil
		}
		visited[real] = true
		entries, err := os.ReadDir(nodeModules)
		if err != nil {
			return nil
		}
		var pkgDirs []string
		for _, e := range entries {
			name := e.Name()
			if strings.HasPrefix(name, ".") {
				continue
			}
			p := filepath.Join(nodeModules, name)
			if strings.HasPrefix(name, "@") {
				scoped, err := os.ReadDir(p)
				if err != nil {
					continue
				}
				for _, s := range scoped {
					pkgDirs = append(pkgDirs, filepath.Join(p, s.Name()))
				}
				continue
			}
			pkgDirs = append(pkgDirs, p)
		}
		for _, pd := range pkgDirs {
			b, err := os.ReadFile(filepath.Join(pd, "package.json"))
			if err == nil {
				var info packageJSON
				if err := json.Unmarshal(b, &info); err != nil {
					return fmt.Errorf("parsing %s: %w", filepath.Join(pd, "package.json"), err)
				}
				dep, err := pluginOf(info)
				if err != nil {
					return fmt.Errorf("%s: %w", filepath.Join(pd, "package.json"), err)
				}
				if dep != nil {
					key := dep.Name + "@" + dep.Version
					if dep.Parameterization != nil {
						key += "/" + dep.Parameterization.Name + "@" + dep.Parameterization.Version
					}
					seen[key] = dep
				}
			}
			if err := walk(filepath.Join(pd, "node_modules")); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(nm); err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	deps := make([]*pulumirpc.PackageDependency, 0, len(keys))
	for _, k := range keys {
		deps = append(deps, seen[k])
	}
	return deps, nil
}

func (h *host) GetRequiredPackages(
	ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	deps, err := requiredPackages(programDir(req.GetInfo(), ""))
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: deps}, nil
}

func (h *host) GetRequiredPlugins(
	ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	deps, err := requiredPackages(programDir(req.GetInfo(), req.GetPwd()))
	if err != nil {
		return nil, err
	}
	plugins := make([]*pulumirpc.PluginDependency, 0, len(deps))
	for _, d := range deps {
		if d.Parameterization != nil {
			continue
		}
		plugins = append(plugins, &pulumirpc.PluginDependency{
			Name: d.Name, Kind: d.Kind, Version: d.Version, Server: d.Server,
		})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

func (h *host) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := programDir(req.GetInfo(), req.GetPwd())
	pj, ok := findUp(dir, "package.json")
	if !ok {
		return nil, fmt.Errorf("no package.json found in or above %s", dir)
	}
	b, err := os.ReadFile(pj)
	if err != nil {
		return nil, err
	}
	var info packageJSON
	if err := json.Unmarshal(b, &info); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", pj, err)
	}
	names := map[string]bool{}
	for n := range info.Dependencies {
		names[n] = true
	}
	for n := range info.DevDependencies {
		names[n] = true
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	var deps []*pulumirpc.DependencyInfo
	for _, n := range sorted {
		ver := ""
		if p, ok := findUp(filepath.Dir(pj), filepath.Join("node_modules", n, "package.json")); ok {
			if b, err := os.ReadFile(p); err == nil {
				var dep packageJSON
				if json.Unmarshal(b, &dep) == nil {
					ver = dep.Version
				}
			}
		}
		if ver == "" {
			continue // declared but not installed
		}
		deps = append(deps, &pulumirpc.DependencyInfo{Name: n, Version: ver})
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}

// ---------------------------------------------------------------------------
// InstallDependencies

type streamWriter struct {
	mu     *sync.Mutex
	send   func(*pulumirpc.InstallDependenciesResponse) error
	stderr bool
}

func (w streamWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	buf := append([]byte(nil), p...)
	resp := &pulumirpc.InstallDependenciesResponse{Stdout: buf}
	if w.stderr {
		resp = &pulumirpc.InstallDependenciesResponse{Stderr: buf}
	}
	if err := w.send(resp); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest,
	server grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	dir := req.GetDirectory()
	if dir == "" {
		dir = programDir(req.GetInfo(), "")
	}
	opts, err := parseOptions(req.GetInfo())
	if err != nil {
		return err
	}
	pm := opts.packagemanager
	if pm == "" || pm == "auto" {
		pm = "npm"
		switch {
		case exists(filepath.Join(dir, "pnpm-lock.yaml")):
			pm = "pnpm"
		case exists(filepath.Join(dir, "yarn.lock")):
			pm = "yarn"
		case exists(filepath.Join(dir, "bun.lock")), exists(filepath.Join(dir, "bun.lockb")):
			pm = "bun"
		}
	}
	bin, err := exec.LookPath(pm)
	if err != nil {
		return fmt.Errorf("could not find %s on the $PATH: %w", pm, err)
	}
	var mu sync.Mutex
	cmd := exec.CommandContext(server.Context(), bin, "install")
	cmd.Dir = dir
	cmd.Stdout = streamWriter{mu: &mu, send: server.Send}
	cmd.Stderr = streamWriter{mu: &mu, send: server.Send, stderr: true}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s install failed: %w", pm, err)
	}
	return nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// ---------------------------------------------------------------------------
// Run

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	opts, err := parseOptions(req.GetInfo())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not find node on the $PATH: %v", err)}, nil
	}

	dir := programDir(req.GetInfo(), req.GetPwd())
	runPath := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH")
	if runPath == "" {
		p, ok := findUp(dir, filepath.Join("node_modules", "@pulumi", "pulumi", "cmd", "run"))
		if !ok {
			return &pulumirpc.RunResponse{Error: "It looks like the Pulumi SDK has not been installed. " +
				"Have you run npm install or yarn install?"}, nil
		}
		runPath = p
	}

	h.mu.Lock()
	engineAddress := h.engineAddress
	h.mu.Unlock()

	nodeArgs, err := shlex.Split(opts.nodeargs)
	if err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("nodeargs: %v", err)}, nil
	}
	args := append(nodeArgs, runPath)
	add := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k, v)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", engineAddress)
	add("organization", req.GetOrganization())
	add("project", req.GetProject())
	if req.GetInfo() != nil {
		add("root-directory", req.GetInfo().GetRootDirectory())
	}
	add("stack", req.GetStack())
	add("pwd", req.GetPwd())
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetQueryMode() {
		add("query-mode", "true")
	}
	if req.GetParallel() > 0 {
		add("parallel", fmt.Sprint(req.GetParallel()))
	}
	add("tracing", h.tracing)
	program := req.GetProgram()
	if req.GetInfo() != nil && req.GetInfo().GetEntryPoint() != "" {
		program = filepath.Join(req.GetInfo().GetProgramDirectory(), req.GetInfo().GetEntryPoint())
	}
	if program == "" {
		// Node then loads the package's "main" (or index.js).
		program = "."
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	config := req.GetConfig()
	if config == nil {
		config = map[string]string{}
	}
	configJSON, err := json.Marshal(config)
	if err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("serializing config: %v", err)}, nil
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("serializing config secret keys: %v", err)}, nil
	}
	env := append(os.Environ(),
		"PULUMI_CONFIG="+string(configJSON),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretJSON),
	)
	if opts.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}

	logging.V(5).Infof("language host launching: %s %s", nodeBin, strings.Join(args, " "))

	// #nosec G204 -- running the user's program is the point.
	cmd := exec.Command(nodeBin, args...)
	if req.GetPwd() != "" {
		cmd.Dir = req.GetPwd()
	}
	cmd.Env = env
	// Node may switch inherited descriptors to non-blocking mode, so copy
	// through pipes instead of handing it our own stdout/stderr.
	cmd.Stdout = struct{ io.Writer }{os.Stdout}
	cmd.Stderr = struct{ io.Writer }{os.Stderr}

	if err := cmd.Start(); err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not start node: %v", err)}, nil
	}
	h.mu.Lock()
	h.running = append(h.running, cmd)
	h.mu.Unlock()
	err = cmd.Wait()
	h.mu.Lock()
	for i, c := range h.running {
		if c == cmd {
			h.running = append(h.running[:i], h.running[i+1:]...)
			break
		}
	}
	h.mu.Unlock()

	if err == nil {
		return &pulumirpc.RunResponse{}, nil
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code := exitErr.ExitCode()
		if code == nodeJSProcessExitedAfterLoggingUserActionableMessage {
			return &pulumirpc.RunResponse{Bail: true}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", code)}, nil
	}
	return &pulumirpc.RunResponse{Error: fmt.Sprintf("Problem executing program: %v", err)}, nil
}
