// Command etcd is a build wrapper: it links the etcd server from the
// go.etcd.io/etcd/server/v3 module so that `go build` can fetch it from the
// Go module proxy (a plain `go install` is refused because of replace lines).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
