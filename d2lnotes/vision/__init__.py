"""Computer-vision helpers the later chapters reuse: convolution from scratch (:mod:`.conv`), batch image
augmentation (:mod:`.augment`) and the CNN families and project models (:mod:`.models`);
object detection: boxes, anchors, labels, NMS (:mod:`.boxes`) and SSD with COCO-style AP (:mod:`.detection`)."""
