// A small cAdvisor: the github.com/google/cadvisor library (v0.57.0) serving its Prometheus metrics on
// /metrics and a /healthz, nothing else (no UI, no REST API, no storage drivers). Built by
// scripts/cadvisor.sh because the module proxy this project can reach does not serve the upstream
// github.com/google/cadvisor/cmd module; the monitoring tests use it to check the cAdvisor queries.
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/google/cadvisor/cache/memory"
	"github.com/google/cadvisor/container"
	"github.com/google/cadvisor/manager"
	"github.com/google/cadvisor/metrics"
	v2 "github.com/google/cadvisor/info/v2"
	"github.com/google/cadvisor/utils/sysfs"
	"github.com/google/cadvisor/version"

	_ "github.com/google/cadvisor/container/containerd/install"
	_ "github.com/google/cadvisor/container/crio/install"
	_ "github.com/google/cadvisor/container/docker/install"
	_ "github.com/google/cadvisor/container/podman/install"
	_ "github.com/google/cadvisor/container/systemd/install"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
)

var argIp = flag.String("listen_ip", "", "IP to listen on, defaults to all IPs")
var argPort = flag.Int("port", 8080, "port to listen")
var versionFlag = flag.Bool("version", false, "print cAdvisor version and exit")
var prometheusEndpoint = flag.String("prometheus_endpoint", "/metrics", "Endpoint to expose Prometheus metrics on")
var storeContainerLabels = flag.Bool("store_container_labels", true, "convert container labels and env vars into prometheus labels")
var whitelistedContainerLabels = flag.String("whitelisted_container_labels", "", "comma separated list of container labels (when store_container_labels=false)")
var envMetadataWhiteList = flag.String("env_metadata_whitelist", "", "env var key prefixes to collect")
var rawCgroupPrefixWhiteList = flag.String("raw_cgroup_prefix_whitelist", "", "cgroup prefixes collected even with -docker_only")
var storageDuration = flag.Duration("storage_duration", 2*time.Minute, "How long to keep data stored")

var (
	ignoreMetrics = container.MetricSet{
		container.MemoryNumaMetrics:              struct{}{},
		container.NetworkTcpUsageMetrics:         struct{}{},
		container.NetworkUdpUsageMetrics:         struct{}{},
		container.NetworkAdvancedTcpUsageMetrics: struct{}{},
		container.ProcessSchedulerMetrics:        struct{}{},
		container.ProcessMetrics:                 struct{}{},
		container.HugetlbUsageMetrics:            struct{}{},
		container.ReferencedMemoryMetrics:        struct{}{},
		container.CPUTopologyMetrics:             struct{}{},
		container.ResctrlMetrics:                 struct{}{},
		container.CPUSetMetrics:                  struct{}{},
	}
	enableMetrics = container.MetricSet{}
)

func init() {
	optstr := container.AllMetrics.String()
	flag.Var(&ignoreMetrics, "disable_metrics", fmt.Sprintf("comma-separated list of `metrics` to be disabled. Options are %s.", optstr))
	flag.Var(&enableMetrics, "enable_metrics", fmt.Sprintf("comma-separated list of `metrics` to be enabled. Options are %s.", optstr))
}

func main() {
	klog.InitFlags(nil)
	defer klog.Flush()
	flag.Parse()
	if *versionFlag {
		fmt.Printf("cAdvisor version %s (%s)\n", version.Info["version"], version.Info["revision"])
		os.Exit(0)
	}
	var included container.MetricSet
	if len(enableMetrics) > 0 {
		included = enableMetrics
	} else {
		included = container.AllMetrics.Difference(ignoreMetrics)
	}
	cache := memory.New(*storageDuration, nil)
	httpClient := http.Client{}
	m, err := manager.New(cache, sysfs.NewRealSysFs(), manager.HousekeepingConfigFlags, included, &httpClient,
		strings.Split(*rawCgroupPrefixWhiteList, ","), strings.Split(*envMetadataWhiteList, ","), "", 0)
	if err != nil {
		klog.Fatalf("Failed to create a manager: %s", err)
	}
	labelFunc := metrics.DefaultContainerLabels
	if !*storeContainerLabels {
		labelFunc = metrics.BaseContainerLabels(strings.Split(*whitelistedContainerLabels, ","))
	}
	mux := http.NewServeMux()
	opts := v2.RequestOptions{IdType: v2.TypeName, Count: 1, Recursive: true}
	r := prometheus.NewRegistry()
	r.MustRegister(
		metrics.NewPrometheusCollector(m, labelFunc, included, clock.RealClock{}, opts),
		metrics.NewPrometheusMachineCollector(m, included),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	mux.Handle(*prometheusEndpoint, promhttp.HandlerFor(r, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	if err := m.Start(); err != nil {
		klog.Fatalf("Failed to start manager: %v", err)
	}
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig := <-c
		_ = m.Stop()
		klog.Infof("Exiting given signal: %v", sig)
		os.Exit(0)
	}()
	addr := fmt.Sprintf("%s:%d", *argIp, *argPort)
	klog.Infof("Starting cAdvisor (root module %s) on %s", version.Info["version"], addr)
	klog.Fatal(http.ListenAndServe(addr, mux))
}
