// A minimal CNI runtime on the real libcni (Debian's golang-github-appc-cni-dev), the role
// cnitool plays upstream; cnitool itself is not packaged. Built offline in GOPATH mode by
// test/helpers/cni-runtime-libcni.ts. Unlike cnitool it takes the container ID and the
// cache directory as arguments, so a test can run it and podnet's CniRuntime side by side.
//
//	libcni-run add|check|del <confDir> <cacheDir> <containerId> <netnsPath> <ifName>
//
// Environment: CNI_PATH (':'-separated), CNI_ARGS (K=V;K=V), CAP_ARGS (JSON object).
// It loads the first *.conflist of confDir (libcni's lexical order), as a Kubernetes runtime
// does. ADD prints the result; a failure prints {"error","code"} on stdout and exits 1
// (code = the CNI error code when a plugin reported one, else 0).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/cni/pkg/types"
)

func fail(err error) {
	code := uint(0)
	var cniErr *types.Error
	if errors.As(err, &cniErr) {
		code = cniErr.Code
	}
	out, _ := json.Marshal(map[string]interface{}{"error": err.Error(), "code": code})
	fmt.Println(string(out))
	os.Exit(1)
}

func cniArgs() ([][2]string, error) {
	var out [][2]string
	raw := os.Getenv("CNI_ARGS")
	if raw == "" {
		return nil, nil
	}
	for _, pair := range strings.Split(raw, ";") {
		kv := strings.SplitN(pair, "=", 2)
		if len(kv) != 2 || kv[0] == "" {
			return nil, fmt.Errorf("CNI_ARGS: invalid pair %q", pair)
		}
		out = append(out, [2]string{kv[0], kv[1]})
	}
	return out, nil
}

func firstConfList(dir string) (*libcni.NetworkConfigList, error) {
	files, err := libcni.ConfFiles(dir, []string{".conflist"})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no *.conflist in %s", dir)
	}
	return libcni.ConfListFromFile(files[0])
}

func main() {
	if len(os.Args) != 7 {
		fmt.Fprintln(os.Stderr, "usage: libcni-run add|check|del <confDir> <cacheDir> <containerId> <netnsPath> <ifName>")
		os.Exit(2)
	}
	cmd, confDir, cacheDir := os.Args[1], os.Args[2], os.Args[3]
	list, err := firstConfList(confDir)
	if err != nil {
		fail(err)
	}
	args, err := cniArgs()
	if err != nil {
		fail(err)
	}
	var caps map[string]interface{}
	if raw := os.Getenv("CAP_ARGS"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &caps); err != nil {
			fail(fmt.Errorf("CAP_ARGS: %w", err))
		}
	}
	rt := &libcni.RuntimeConf{ContainerID: os.Args[4], NetNS: os.Args[5], IfName: os.Args[6], Args: args, CapabilityArgs: caps}
	cni := libcni.NewCNIConfigWithCacheDir(filepath.SplitList(os.Getenv("CNI_PATH")), cacheDir, nil)
	ctx := context.Background()
	switch cmd {
	case "add":
		result, err := cni.AddNetworkList(ctx, list, rt)
		if err != nil {
			fail(err)
		}
		if err := result.Print(); err != nil {
			fail(err)
		}
	case "check":
		if err := cni.CheckNetworkList(ctx, list, rt); err != nil {
			fail(err)
		}
	case "del":
		if err := cni.DelNetworkList(ctx, list, rt); err != nil {
			fail(err)
		}
	default:
		fail(fmt.Errorf("unknown command %q", cmd))
	}
}
