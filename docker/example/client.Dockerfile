# The example client's image (docker/compose.yaml): Python on debian:bookworm-slim, standing in
# for a test suite's own image.
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 \
 && rm -rf /var/lib/apt/lists/*
COPY client.py /client.py
USER nobody
CMD ["python3", "/client.py"]
