"""Operations: what the service reports about itself (metrics, health, structured logs).

The core only calls `telemetry()` (`events.py`): a do-nothing recorder unless the service installed
the Prometheus one (`metrics.py`, with BOT_HTTP_PORT). prometheus_client and the JSON log formatter are
imported under this package only, so the rest of the code knows nothing about either.
"""

from bot.observability.events import Telemetry, rejection_label, telemetry, using_telemetry

__all__ = ["Telemetry", "rejection_label", "telemetry", "using_telemetry"]
