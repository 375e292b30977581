# msn2irc: an IRC server that signs in to MSN Messenger.
# The SQLite driver needs cgo, so the binary is built and run on glibc.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -ldflags="-s -w" -o /out/msn2irc ./cmd/msn2irc

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin msn2irc \
 && mkdir -p /data && chown msn2irc:msn2irc /data
COPY --from=build /out/msn2irc /usr/local/bin/msn2irc
USER msn2irc
WORKDIR /data
VOLUME /data
# Inside the container the listener must not be on loopback for Docker to
# forward it; publish the port on the host's loopback (see README.md).
ENV MSN2IRC_LISTEN=0.0.0.0:6667 \
    MSN2IRC_DB=/data/msn2irc.db
EXPOSE 6667
ENTRYPOINT ["/usr/local/bin/msn2irc"]
