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
# Inside the container the listeners must not be on loopback for Docker to
# forward them; publish the ports on the host's loopback (see README.md).
# Received files live in /data/files, in the volume with the database.
ENV MSN2IRC_LISTEN=0.0.0.0:6667 \
    MSN2IRC_HTTP_LISTEN=0.0.0.0:6680 \
    MSN2IRC_METRICS_LISTEN=0.0.0.0:6681 \
    MSN2IRC_DB=/data/msn2irc.db \
    MSN2IRC_DATA_DIR=/data/files
# 6667 IRC, 6680 files and pictures, 6681 metrics and health (keep private).
EXPOSE 6667 6680 6681
ENTRYPOINT ["/usr/local/bin/msn2irc"]
