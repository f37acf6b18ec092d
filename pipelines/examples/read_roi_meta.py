#!/usr/bin/python3
# Reads vkcnnclassify's results from Python through GstVideo: the whole-frame region-of-interest
# meta's "classification" parameter holds the best label and every reported class (top-k).
# Usage: read_roi_meta.py MODEL.vkcnn [FRAMES]   (needs python3-gi and python3-gst-1.0)
import sys
import gi
gi.require_version("Gst", "1.0")
gi.require_version("GstVideo", "1.0")
from gi.repository import Gst, GstVideo

Gst.init(None)
pipeline = Gst.parse_launch(
    f"videotestsrc num-buffers={sys.argv[2] if len(sys.argv) > 2 else 5} ! video/x-raw,width=64,height=48 "
    f"! videoconvert ! vkcnnclassify model={sys.argv[1]} top-k=3 ! appsink name=sink sync=false")
sink = pipeline.get_by_name("sink")
pipeline.set_state(Gst.State.PLAYING)
frame = 0
while (sample := sink.emit("pull-sample")) is not None:
    roi = GstVideo.buffer_get_video_region_of_interest_meta_id(sample.get_buffer(), 0)
    cls = roi.get_param("classification") if roi else None
    if cls:
        labels, scores = cls.get_value("labels"), cls.get_value("scores")
        print(f"frame {frame}: " + ", ".join(f"{l} {s:.3f}" for l, s in zip(labels, scores)))
    frame += 1
pipeline.set_state(Gst.State.NULL)
